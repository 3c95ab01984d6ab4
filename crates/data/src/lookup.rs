//! Choosing a record by typing its name: the few choices that match what
//! was typed, and a typed label resolved back to one record. Large lists
//! (companies, contacts, members) never travel whole to a page.

use uuid::Uuid;

use super::{DbError, Result, Tx};

/// What a picker chooses among.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Company,
    Contact,
    Member,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "company" => Some(Kind::Company),
            "contact" => Some(Kind::Contact),
            "member" => Some(Kind::Member),
            _ => None,
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Company => "company",
            Kind::Contact => "contact",
            Kind::Member => "member",
        }
    }
}

// Each kind's label, as the picker shows it and as it is typed back.
const COMPANY_LABEL: &str = "name";
const CONTACT_LABEL: &str = "btrim(first_name || ' ' || last_name) || \
    coalesce(' <' || email || '>', '')";
const MEMBER_LABEL: &str = "btrim(first_name || ' ' || last_name)";

/// Up to `limit` records whose label contains `text`, by label.
pub async fn choices(
    tx: &mut Tx,
    kind: Kind,
    text: &str,
    limit: i64,
) -> Result<Vec<(Uuid, String)>> {
    let text = text.trim();
    let (sql, term) = match kind {
        Kind::Company => (
            format!(
                "SELECT id, {COMPANY_LABEL} FROM crm_companies WHERE name ILIKE $1 \
                 ORDER BY name, id LIMIT $2"
            ),
            like(text),
        ),
        // Contacts go through the search function: the view cannot use the
        // trigram index under row security.
        Kind::Contact => (
            format!(
                "SELECT c.id, {CONTACT_LABEL} FROM crm_search_contacts_page($1, 'name', NULL, \
                   NULL, NULL, NULL, false, $2::int) WITH ORDINALITY AS s(id, n) \
                 JOIN crm_contacts c ON c.id = s.id ORDER BY s.n"
            ),
            text.to_string(),
        ),
        Kind::Member => (
            format!(
                "SELECT id, {MEMBER_LABEL} FROM crm_members \
                 WHERE (first_name || ' ' || last_name || ' ' || coalesce(email, '')) ILIKE $1 \
                 ORDER BY 2, id LIMIT $2"
            ),
            like(text),
        ),
    };
    Ok(sqlx::query_as(&sql)
        .bind(term)
        .bind(limit)
        .fetch_all(tx.conn())
        .await?)
}

/// The one record a typed label names: an id as it is, an empty label as
/// none; a label that names no record or several is refused, saying so.
pub async fn resolve(tx: &mut Tx, kind: Kind, label: &str) -> Result<Option<Uuid>> {
    let label = label.trim();
    if label.is_empty() {
        return Ok(None);
    }
    if let Ok(id) = label.parse::<Uuid>() {
        return Ok(Some(id));
    }
    let found: Vec<Uuid> = match kind {
        Kind::Contact => match email_of(label) {
            Some(email) => {
                sqlx::query_scalar("SELECT id FROM crm_contacts WHERE lower(email) = lower($1)")
                    .bind(email)
                    .fetch_all(tx.conn())
                    .await?
            }
            None => {
                sqlx::query_scalar(
                    "SELECT c.id FROM crm_search_contacts_page($1, 'name', NULL, NULL, NULL, \
                       NULL, false, 50) AS s(id) JOIN crm_contacts c ON c.id = s.id \
                     WHERE lower(btrim(c.first_name || ' ' || c.last_name)) = lower($1)",
                )
                .bind(label)
                .fetch_all(tx.conn())
                .await?
            }
        },
        Kind::Company => {
            sqlx::query_scalar("SELECT id FROM crm_companies WHERE lower(name) = lower($1) LIMIT 2")
                .bind(label)
                .fetch_all(tx.conn())
                .await?
        }
        Kind::Member => {
            sqlx::query_scalar(&format!(
                "SELECT id FROM crm_members WHERE lower({MEMBER_LABEL}) = lower($1) LIMIT 2"
            ))
            .bind(label)
            .fetch_all(tx.conn())
            .await?
        }
    };
    let noun = kind.noun();
    match found.as_slice() {
        [one] => Ok(Some(*one)),
        [] => Err(DbError::Invalid(format!("no {noun} is named {label:?}"))),
        _ => Err(DbError::Invalid(format!(
            "several {noun} records are named {label:?}: pick one from the list"
        ))),
    }
}

/// The address of a `Name <address>` label.
fn email_of(label: &str) -> Option<&str> {
    let inner = label.strip_suffix('>')?;
    let start = inner.rfind('<')?;
    Some(inner[start + 1..].trim())
}

/// `text` as an ILIKE pattern that matches it anywhere, literally.
pub(crate) fn like(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}
