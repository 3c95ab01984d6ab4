use uuid::Uuid;

use super::{targets, write, write::source_of, write::Value, Field, Result, Tx};
use redkey_types::{Note, RecordLink};

/// What a note is attached to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Contact(Uuid),
    Company(Uuid),
    Deal(Uuid),
}

impl Target {
    /// A record as a form names it (`contact`, `company`, `deal`).
    pub fn parse(kind: &str, id: Uuid) -> Option<Self> {
        match kind {
            "contact" => Some(Self::Contact(id)),
            "company" => Some(Self::Company(id)),
            "deal" => Some(Self::Deal(id)),
            _ => None,
        }
    }

    pub(crate) fn column(self) -> (&'static str, Uuid) {
        match self {
            Self::Contact(id) => ("contact_id", id),
            Self::Company(id) => ("company_id", id),
            Self::Deal(id) => ("deal_id", id),
        }
    }
}

/// Adds a note and links it to its record in one transaction.
pub async fn add(tx: &mut Tx, target: Target, title: &str, body_markdown: &str) -> Result<Note> {
    let source = source_of(tx);
    let note: Note = write::insert(
        tx,
        "crm_notes",
        vec![
            Field::new("title", Value::Text(Some(title.to_string()))),
            Field::new(
                "body_markdown",
                Value::Text(Some(body_markdown.to_string())),
            ),
            Field::new("created_by_source", Value::Source(source)),
        ],
        "id, title, body_markdown, created_at",
    )
    .await?;
    let (column, id) = target.column();
    let _: (Uuid,) = write::insert(
        tx,
        "crm_note_targets",
        vec![
            Field::new("note_id", Value::Uuid(Some(note.id))),
            Field::new(column, Value::Uuid(Some(id))),
        ],
        "id",
    )
    .await?;
    Ok(note)
}

/// The notes on one record, newest first.
pub async fn of(tx: &mut Tx, target: Target) -> Result<Vec<Note>> {
    let (column, id) = target.column();
    Ok(sqlx::query_as(&format!(
        "SELECT n.id, n.title, n.body_markdown, n.created_at FROM crm_notes n \
         JOIN crm_note_targets t ON t.note_id = n.id WHERE t.{column} = $1 \
         ORDER BY n.created_at DESC, n.id"
    ))
    .bind(id)
    .fetch_all(tx.conn())
    .await?)
}

/// A page of the client's notes, newest first, after the note `after` (a
/// cursor naming no note of the client starts from the newest);
/// with `query`, only notes whose title or body contains it. Each with the
/// records it is linked to.
pub async fn page(
    tx: &mut Tx,
    query: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<(Note, Vec<RecordLink>)>> {
    let notes: Vec<Note> = sqlx::query_as(
        "SELECT n.id, n.title, n.body_markdown, n.created_at FROM crm_notes n \
         WHERE ($1::text IS NULL OR n.title ILIKE $1 OR n.body_markdown ILIKE $1) \
           AND ($2::uuid IS NULL \
                OR NOT EXISTS (SELECT 1 FROM crm_notes a WHERE a.id = $2) \
                OR (n.created_at, n.id) < \
                   (SELECT a.created_at, a.id FROM crm_notes a WHERE a.id = $2)) \
         ORDER BY n.created_at DESC, n.id DESC LIMIT $3",
    )
    .bind(query.map(crate::lookup::like))
    .bind(after)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?;
    let ids: Vec<Uuid> = notes.iter().map(|n| n.id).collect();
    let mut links = targets::links(tx, targets::Of::Notes, &ids).await?;
    Ok(notes
        .into_iter()
        .map(|n| {
            let mine = targets::take(&mut links, n.id);
            (n, mine)
        })
        .collect())
}
