//! The records notes and to-dos are linked to (`crm_note_targets`,
//! `crm_todo_targets`), named for showing.

use uuid::Uuid;

use super::{Result, Tx};
use redkey_types::RecordLink;

/// Whose links to read.
#[derive(Clone, Copy, Debug)]
pub enum Of {
    Notes,
    Todos,
}

impl Of {
    fn view_and_key(self) -> (&'static str, &'static str) {
        match self {
            Self::Notes => ("crm_note_targets", "note_id"),
            Self::Todos => ("crm_todo_targets", "todo_id"),
        }
    }
}

/// The records `ids` are linked to, oldest link first; archived records
/// left out.
pub async fn links(tx: &mut Tx, of: Of, ids: &[Uuid]) -> Result<Vec<RecordLink>> {
    if ids.is_empty() {
        return Ok(vec![]);
    }
    let (view, key) = of.view_and_key();
    Ok(sqlx::query_as(&format!(
        "SELECT x.{key} AS of, \
                CASE WHEN x.contact_id IS NOT NULL THEN 'contact' \
                     WHEN x.company_id IS NOT NULL THEN 'company' ELSE 'deal' END AS kind, \
                coalesce(x.contact_id, x.company_id, x.deal_id) AS id, \
                coalesce(nullif(btrim(p.first_name || ' ' || p.last_name), ''), p.email, \
                         c.name, d.name) AS label \
         FROM {view} x \
         LEFT JOIN crm_contacts p ON p.id = x.contact_id \
         LEFT JOIN crm_companies c ON c.id = x.company_id \
         LEFT JOIN crm_deals d ON d.id = x.deal_id \
         WHERE x.{key} = ANY($1) AND coalesce(p.id, c.id, d.id) IS NOT NULL \
         ORDER BY x.created_at"
    ))
    .bind(ids)
    .fetch_all(tx.conn())
    .await?)
}

/// Takes the links of `of` out of `links`, keeping their order.
pub fn take(links: &mut Vec<RecordLink>, of: Uuid) -> Vec<RecordLink> {
    let (mine, rest) = std::mem::take(links).into_iter().partition(|l| l.of == of);
    *links = rest;
    mine
}
