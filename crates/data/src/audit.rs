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

/// The audited changes of one record, newest first.
pub async fn changes_of(tx: &mut Tx, row_id: Uuid) -> Result<Vec<FieldChange>> {
    Ok(sqlx::query_as(
        "SELECT id, view_name, row_id, column_name, old_value, new_value, acting_role, user_id, \
                on_behalf_of, changed_at \
         FROM crm_field_changes WHERE row_id = $1 ORDER BY changed_at DESC, id DESC",
    )
    .bind(row_id)
    .fetch_all(tx.conn())
    .await?)
}
