//! Files through `crm_attachments` / `crm_attachment_targets`: the row
//! names where the bytes are kept; serving them is the server's business.

use uuid::Uuid;

use super::{notes::Target, write::source_of, Result, Tx};
use redkey_types::{FileItem, StoredFile};

/// What an upload stored.
#[derive(Clone, Debug)]
pub struct NewFile {
    pub name: String,
    pub key: String,
    pub size_bytes: i64,
    pub content_type: String,
    /// Twenty's file category (`IMAGE`, `TEXT_DOCUMENT`, ...).
    pub category: &'static str,
    pub target: Target,
}

/// Records an uploaded file on its record, as uploaded by the signed-in
/// person's member row.
pub async fn add(tx: &mut Tx, f: NewFile) -> Result<Uuid> {
    let source = source_of(tx);
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO crm_attachments (name, full_path, file_category, created_by_source, \
                                      size_bytes, content_type, uploaded_by) \
         VALUES ($1, $2, $3::file_category, $4, $5, $6, \
                 (SELECT id FROM crm_members \
                  WHERE user_id = NULLIF(current_setting('redkey.user_id', true), '')::uuid)) \
         RETURNING id",
    )
    .bind(&f.name)
    .bind(&f.key)
    .bind(f.category)
    .bind(source)
    .bind(f.size_bytes)
    .bind(&f.content_type)
    .fetch_one(tx.conn())
    .await?;
    let (column, record) = f.target.column();
    sqlx::query(&format!(
        "INSERT INTO crm_attachment_targets (attachment_id, {column}) VALUES ($1, $2)"
    ))
    .bind(id)
    .bind(record)
    .execute(tx.conn())
    .await?;
    Ok(id)
}

/// The files on a record, newest first.
pub async fn of(tx: &mut Tx, target: Target) -> Result<Vec<FileItem>> {
    let (column, id) = target.column();
    Ok(sqlx::query_as(&format!(
        "SELECT a.id, a.name, a.size_bytes, a.content_type, \
                nullif(btrim(m.first_name || ' ' || m.last_name), '') AS uploader, a.created_at \
         FROM crm_attachments a JOIN crm_attachment_targets t ON t.attachment_id = a.id \
         LEFT JOIN crm_members m ON m.id = a.uploaded_by \
         WHERE t.{column} = $1 ORDER BY a.created_at DESC, a.id"
    ))
    .bind(id)
    .fetch_all(tx.conn())
    .await?)
}

/// One file of the current client (archived or another client's: none).
pub async fn get(tx: &mut Tx, id: Uuid) -> Result<Option<StoredFile>> {
    Ok(sqlx::query_as(
        "SELECT id, name, full_path, content_type FROM crm_attachments WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(tx.conn())
    .await?)
}
