use uuid::Uuid;

use super::{Result, Tx};
use redkey_types::FieldChange;

/// Soft-deletable record kinds, as `crm_archive` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Contact,
    Company,
    Deal,
    Activity,
    Note,
    Attachment,
    Sequence,
    Todo,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Company => "company",
            Self::Deal => "deal",
            Self::Activity => "activity",
            Self::Note => "note",
            Self::Attachment => "attachment",
            Self::Sequence => "sequence",
            Self::Todo => "todo",
        }
    }
}

pub async fn archive(tx: &mut Tx, kind: Kind, id: Uuid) -> Result<()> {
    sqlx::query("SELECT crm_archive($1, $2)")
        .bind(kind.as_str())
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn restore(tx: &mut Tx, kind: Kind, id: Uuid) -> Result<()> {
    sqlx::query("SELECT crm_restore($1, $2)")
        .bind(kind.as_str())
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The newest `limit` audited changes of one record, newest first.
pub async fn changes_of(tx: &mut Tx, row_id: Uuid, limit: i64) -> Result<Vec<FieldChange>> {
    Ok(sqlx::query_as(&format!(
        "SELECT c.id, c.view_name, c.row_id, c.column_name, c.old_value, c.new_value, \
                c.acting_role, c.user_id, c.on_behalf_of, c.changed_at, i.instruction \
         FROM crm_field_changes c LEFT JOIN crm_instructions i ON i.id = c.on_behalf_of \
         WHERE c.row_id = $1 ORDER BY c.changed_at DESC, c.id DESC LIMIT {limit}"
    ))
    .bind(row_id)
    .fetch_all(tx.conn())
    .await?)
}

/// The changes made on behalf of one stored instruction, oldest first.
pub async fn changes_by_instruction(tx: &mut Tx, instruction: Uuid) -> Result<Vec<FieldChange>> {
    Ok(sqlx::query_as(
        "SELECT c.id, c.view_name, c.row_id, c.column_name, c.old_value, c.new_value, \
                c.acting_role, c.user_id, c.on_behalf_of, c.changed_at, i.instruction \
         FROM crm_field_changes c JOIN crm_instructions i ON i.id = c.on_behalf_of \
         WHERE c.on_behalf_of = $1 ORDER BY c.id",
    )
    .bind(instruction)
    .fetch_all(tx.conn())
    .await?)
}
