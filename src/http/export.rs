//! CSV export of a table with its current filters, streamed: each batch is
//! read in its own short transaction after the previous batch's last row
//! (the tables' keyset order), so a large export neither holds a
//! connection while a slow client reads nor builds the file in memory.

use axum::{
    body::{Body, Bytes},
    extract::{Path, RawQuery, State},
    http::{header, StatusCode},
    response::{IntoResponse, Response},
    Extension,
};
use std::collections::HashMap;
use uuid::Uuid;

use app::ssr::session::Checked;
use redkey_data::{
    companies, contacts::ContactQuery, records, tables, Actor, ClientId, Db, DbError,
};
use redkey_types::{
    Company, CompanyFilter, Contact, ContactFilter, Deal, DealFilter, TableFilter, TableKind,
};

use super::AppState;

/// Rows read per transaction.
const BATCH: i64 = 500;

pub async fn export(
    State(state): State<AppState>,
    Extension(Checked(me)): Extension<Checked>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(kind) = file.strip_suffix(".csv").and_then(TableKind::parse) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let query = query.unwrap_or_default();
    let reader = Reader {
        db: state.db.clone(),
        client: ClientId(me.client),
        actor: Actor::User(me.user),
        kind,
        query,
    };
    // The first batch before the headers: a failure is still a clean error.
    let (first, after) = match reader.batch(None, true).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "exporting a table");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let rest = futures::stream::try_unfold((reader, after), |(reader, after)| async move {
        let Some(after) = after else {
            return Ok(None);
        };
        let (bytes, next) = reader.batch(Some(after), false).await.inspect_err(|e| {
            tracing::error!(error = %e, "exporting a table (cut short)");
        })?;
        Ok::<_, DbError>(Some((Bytes::from(bytes), (reader, next))))
    });
    let body = futures::StreamExt::chain(
        futures::stream::once(async move { Ok::<_, DbError>(Bytes::from(first)) }),
        rest,
    );
    let name = format!(
        "attachment; filename=\"{}-{}.csv\"",
        kind.as_str(),
        chrono::Utc::now().format("%Y-%m-%d")
    );
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        Body::from_stream(body),
    )
        .into_response()
}

struct Reader {
    db: Db,
    client: ClientId,
    actor: Actor,
    kind: TableKind,
    query: String,
}

impl Reader {
    /// One batch as CSV (with the header line first when `header`), and
    /// the last row's id when there may be more.
    async fn batch(
        &self,
        after: Option<Uuid>,
        header: bool,
    ) -> Result<(Vec<u8>, Option<Uuid>), DbError> {
        let mut tx = self.db.begin(self.client, self.actor).await?;
        let mut out = csv::Writer::from_writer(vec![]);
        let (count, last) = match self.kind {
            TableKind::Contacts => {
                let f = ContactFilter::from_query(&self.query);
                let after = records::cursor::<Contact>(&mut tx, after).await?;
                let q = ContactQuery::of(&f, after.as_ref());
                let rows = redkey_data::contacts::page(&mut tx, &q, BATCH).await?;
                let names =
                    companies::names(&mut tx, rows.iter().filter_map(|c| c.company_id)).await?;
                if header {
                    write(&mut out, CONTACT_HEADER);
                }
                for c in &rows {
                    write(&mut out, &contact_row(c, &names));
                }
                (rows.len(), rows.last().map(|c| c.id))
            }
            TableKind::Companies => {
                let f = CompanyFilter::from_query(&self.query);
                let after = records::cursor::<Company>(&mut tx, after).await?;
                let rows = tables::companies(&mut tx, &f, after.as_ref(), BATCH).await?;
                let owners: HashMap<Uuid, String> = redkey_data::member_choices(&mut tx)
                    .await?
                    .into_iter()
                    .collect();
                if header {
                    write(&mut out, COMPANY_HEADER);
                }
                for c in &rows {
                    write(&mut out, &company_row(c, &owners));
                }
                (rows.len(), rows.last().map(|c| c.id))
            }
            TableKind::Deals => {
                let f = DealFilter::from_query(&self.query);
                let after = records::cursor::<Deal>(&mut tx, after).await?;
                let rows = tables::deals(&mut tx, &f, after.as_ref(), BATCH).await?;
                let names = DealNames {
                    companies: companies::names(&mut tx, rows.iter().filter_map(|d| d.company_id))
                        .await?,
                    owners: redkey_data::member_choices(&mut tx)
                        .await?
                        .into_iter()
                        .collect(),
                    stages: redkey_data::pipeline::stages(&mut tx)
                        .await?
                        .into_iter()
                        .map(|s| (s.stage_id, (s.pipeline_name, s.stage_name)))
                        .collect(),
                };
                if header {
                    write(&mut out, DEAL_HEADER);
                }
                for d in &rows {
                    write(&mut out, &deal_row(d, &names));
                }
                (rows.len(), rows.last().map(|d| d.id))
            }
        };
        tx.rollback().await?;
        let bytes = out.into_inner().unwrap_or_default();
        Ok((bytes, last.filter(|_| count as i64 == BATCH)))
    }
}

/// Writing to a Vec cannot fail.
fn write(out: &mut csv::Writer<Vec<u8>>, cells: &[impl AsRef<str>]) {
    let _ = out.write_record(cells.iter().map(|c| cell(c.as_ref())));
}

/// A cell a spreadsheet would run as a formula gets a leading `'`; a
/// phone number or a negative amount keeps its sign.
fn cell(value: &str) -> String {
    let numeric = |rest: &str| {
        rest.chars()
            .all(|c| c.is_ascii_digit() || " ()-./".contains(c))
    };
    match value.chars().next() {
        Some('=' | '@' | '\t' | '\r') => format!("'{value}"),
        Some('+' | '-') if !numeric(&value[1..]) => format!("'{value}"),
        _ => value.to_string(),
    }
}

fn text(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn time(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

const CONTACT_HEADER: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "job_title",
    "city",
    "company",
    "priority",
    "recontact_at",
    "last_activity_at",
    "relationship_note",
    "strategy_note",
    "linkedin_url",
    "created_by_source",
    "created_at",
];

fn contact_row(c: &Contact, companies: &HashMap<Uuid, String>) -> Vec<String> {
    vec![
        c.id.to_string(),
        c.first_name.clone(),
        c.last_name.clone(),
        text(&c.email),
        text(&c.phone),
        text(&c.job_title),
        text(&c.city),
        c.company_id
            .and_then(|id| companies.get(&id).cloned())
            .unwrap_or_default(),
        c.priority
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        time(c.recontact_at),
        time(c.last_activity_at),
        text(&c.relationship_note),
        text(&c.strategy_note),
        text(&c.linkedin_url),
        c.created_by_source.as_str().to_string(),
        time(Some(c.created_at)),
    ]
}

const COMPANY_HEADER: &[&str] = &[
    "id",
    "name",
    "domain",
    "city",
    "country",
    "industry",
    "employees",
    "priority",
    "account_owner",
    "strategy_note",
    "last_activity_at",
    "created_by_source",
    "created_at",
];

fn company_row(c: &Company, owners: &HashMap<Uuid, String>) -> Vec<String> {
    vec![
        c.id.to_string(),
        c.name.clone(),
        text(&c.domain),
        text(&c.city),
        text(&c.country),
        text(&c.industry),
        c.employees.map(|e| e.to_string()).unwrap_or_default(),
        c.priority
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        c.account_owner_id
            .and_then(|o| owners.get(&o).cloned())
            .unwrap_or_default(),
        text(&c.strategy_note),
        time(c.last_activity_at),
        c.created_by_source.as_str().to_string(),
        time(Some(c.created_at)),
    ]
}

struct DealNames {
    companies: HashMap<Uuid, String>,
    owners: HashMap<Uuid, String>,
    /// Stage id to (pipeline, stage) names.
    stages: HashMap<Uuid, (String, String)>,
}

const DEAL_HEADER: &[&str] = &[
    "id",
    "name",
    "pipeline",
    "stage",
    "company",
    "amount",
    "currency",
    "close_date",
    "owner",
    "priority",
    "strategy_note",
    "recontact_at",
    "last_activity_at",
    "created_by_source",
    "created_at",
];

fn deal_row(d: &Deal, names: &DealNames) -> Vec<String> {
    let (pipeline, stage) = names.stages.get(&d.stage_id).cloned().unwrap_or_default();
    vec![
        d.id.to_string(),
        d.name.clone(),
        pipeline,
        stage,
        d.company_id
            .and_then(|c| names.companies.get(&c).cloned())
            .unwrap_or_default(),
        d.amount_micros.map(amount).unwrap_or_default(),
        d.currency_code.clone(),
        d.close_date.map(|c| c.to_string()).unwrap_or_default(),
        d.owner_id
            .and_then(|o| names.owners.get(&o).cloned())
            .unwrap_or_default(),
        d.priority
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        text(&d.strategy_note),
        time(d.recontact_at),
        time(d.last_activity_at),
        d.created_by_source.as_str().to_string(),
        time(Some(d.created_at)),
    ]
}

/// Micros as a plain decimal amount (no grouping, no symbol).
fn amount(micros: i64) -> String {
    let sign = if micros < 0 { "-" } else { "" };
    let m = micros.unsigned_abs();
    let (units, frac) = (m / 1_000_000, m % 1_000_000);
    if frac == 0 {
        format!("{sign}{units}")
    } else {
        let frac = format!("{frac:06}");
        format!("{sign}{units}.{}", frac.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_numbers_kept() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("+1 (555) 010-0000"), "+1 (555) 010-0000");
        assert_eq!(cell("-12.5"), "-12.5");
        assert_eq!(cell("-cmd|' /C calc'!A0"), "'-cmd|' /C calc'!A0");
        assert_eq!(cell("Acme"), "Acme");
    }

    #[test]
    fn amounts_are_plain_decimals() {
        assert_eq!(amount(12_500_000_000), "12500");
        assert_eq!(amount(1_250_000), "1.25");
        assert_eq!(amount(-500_000), "-0.5");
    }
}
