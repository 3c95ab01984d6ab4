//! Uploaded CSV files and their runs (`crm_imports`, `crm_import_rows`).
//! The file is kept as uploaded and parsed again by each run, so what a
//! dry run saw is exactly what the import reads.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{DbError, Result, Tx};
use redkey_types::{
    import::{
        check_mapping, Import, ImportReport, ImportStatus, ImportSummary, LineOutcome, Outcome,
        Target,
    },
    TableKind,
};

/// A file's header and its lines, each with its line number in the file
/// (the header is line 1; a quoted cell may span lines).
#[derive(Clone, Debug, PartialEq)]
pub struct Parsed {
    pub headers: Vec<String>,
    pub rows: Vec<(i32, Vec<String>)>,
}

/// Reads a CSV file: UTF-8 with or without a byte-order mark (Twenty
/// writes one), rows of any length (short ones read as empty cells).
pub fn parse(content: &str) -> Result<Parsed> {
    read(content, usize::MAX)
}

/// The header and the first `limit` lines; a file's first bytes only
/// (`limit` short of everything) may end inside a line, which is left out.
fn read(content: &str, limit: usize) -> Result<Parsed> {
    let content = content.strip_prefix('\u{feff}').unwrap_or(content);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(content.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| DbError::Invalid(format!("the file is not CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    if headers.iter().all(String::is_empty) {
        return Err(DbError::Invalid("the file has no header line".into()));
    }
    let mut rows = Vec::new();
    let bytes = content.as_bytes();
    let (mut counted, mut newlines) = (0, 0);
    for record in reader.records().take(limit) {
        let record = match record {
            Ok(r) => r,
            // A head cut off inside a line.
            Err(_) if limit != usize::MAX => break,
            Err(e) => return Err(DbError::Invalid(format!("the file is not CSV: {e}"))),
        };
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        // Counted from the bytes (the reader's count skips blank lines, and
        // its offset may point at the blank line before a record).
        let mut start = record.position().map_or(0, |p| p.byte() as usize);
        while matches!(bytes.get(start), Some(b'\n' | b'\r')) {
            start += 1;
        }
        newlines += bytes[counted..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted = start;
        let line = 1 + newlines as i32;
        rows.push((line, record.iter().map(|c| c.trim().to_string()).collect()));
    }
    Ok(Parsed { headers, rows })
}

#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    kind: TableKind,
    file_name: String,
    content: String,
    total_rows: i32,
    mapping: serde_json::Value,
    status: ImportStatus,
    run: i32,
    uploaded_by: Uuid,
    created_at: DateTime<Utc>,
}

/// An import as a run needs it: the file, who uploaded it, the mapping.
pub struct Stored {
    pub import: Import,
    pub uploaded_by: Uuid,
    pub parsed: Parsed,
}

const SAMPLES: usize = 3;
/// What a page reads of a file: its header and first lines are in here
/// (a running import's page asks every second and a half; the file may
/// be megabytes).
const HEAD_BYTES: i32 = 64 * 1024;

fn mapping_of(kind: TableKind, v: serde_json::Value, columns: usize) -> Vec<Option<Target>> {
    let mut m: Vec<Option<Target>> = serde_json::from_value(v).unwrap_or_default();
    m.resize(columns, None);
    if check_mapping(kind, &m).is_err() {
        m = vec![None; columns];
    }
    m
}

/// Stores an uploaded file with the guessed meaning of its columns.
pub async fn create(tx: &mut Tx, kind: TableKind, file_name: &str, content: &str) -> Result<Uuid> {
    let parsed = parse(content)?;
    let mapping = redkey_types::import::guess(kind, &parsed.headers);
    let (id,): (Uuid,) = sqlx::query_as(
        "INSERT INTO crm_imports (kind, file_name, content, total_rows, mapping) \
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(kind)
    .bind(file_name)
    .bind(content)
    .bind(parsed.rows.len() as i32)
    .bind(serde_json::to_value(&mapping).expect("targets serialise"))
    .fetch_one(tx.conn())
    .await?;
    Ok(id)
}

/// One import of the client with the first `bytes` of its file (all of it
/// when `None`), and that much parsed.
async fn fetch(tx: &mut Tx, id: Uuid, bytes: Option<i32>) -> Result<Stored> {
    let row: Row = sqlx::query_as(
        "SELECT id, kind, file_name, CASE WHEN $2::int IS NULL THEN content \
                ELSE left(content, $2) END AS content, \
                total_rows, mapping, status, run, uploaded_by, created_at \
         FROM crm_imports WHERE id = $1",
    )
    .bind(id)
    .bind(bytes)
    .fetch_optional(tx.conn())
    .await?
    .ok_or(DbError::NotFound)?;
    let parsed = match bytes {
        None => parse(&row.content)?,
        Some(_) => read(&row.content, SAMPLES)?,
    };
    let import = Import {
        id: row.id,
        kind: row.kind,
        file_name: row.file_name,
        total_rows: row.total_rows,
        mapping: mapping_of(row.kind, row.mapping, parsed.headers.len()),
        headers: parsed.headers.clone(),
        samples: parsed
            .rows
            .iter()
            .take(SAMPLES)
            .map(|(_, r)| r.clone())
            .collect(),
        status: row.status,
        run: row.run,
        created_at: row.created_at,
    };
    Ok(Stored {
        import,
        uploaded_by: row.uploaded_by,
        parsed,
    })
}

/// One import of the client as its page shows it: the header and first
/// lines of the file, not the whole of it.
pub async fn get(tx: &mut Tx, id: Uuid) -> Result<Import> {
    Ok(fetch(tx, id, Some(HEAD_BYTES)).await?.import)
}

/// One import of the client with its whole file parsed, for a run.
pub async fn for_run(tx: &mut Tx, id: Uuid) -> Result<Stored> {
    fetch(tx, id, None).await
}

/// The client's latest imports, newest first.
pub async fn recent(tx: &mut Tx, limit: i64) -> Result<Vec<ImportSummary>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, file_name, status, total_rows, created_at FROM crm_imports \
         ORDER BY created_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}

/// Changes what the columns mean; refused while a run is under way.
pub async fn set_mapping(tx: &mut Tx, id: Uuid, mapping: &[Option<Target>]) -> Result<()> {
    let import = get(tx, id).await?;
    if import.status.running() {
        return Err(DbError::Conflict(
            "a run of this import is under way".into(),
        ));
    }
    if mapping.len() != import.headers.len() {
        return Err(DbError::Invalid(
            "one meaning for each column of the file".into(),
        ));
    }
    check_mapping(import.kind, mapping).map_err(DbError::Invalid)?;
    sqlx::query("UPDATE crm_imports SET mapping = $2, status = 'uploaded' WHERE id = $1")
        .bind(id)
        .bind(serde_json::to_value(mapping).expect("targets serialise"))
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Starts a run (a dry run, or with `apply` the import): a new run number,
/// so no earlier run's outcomes mix in. Refused while one is under way.
pub async fn start(tx: &mut Tx, id: Uuid, apply: bool) -> Result<i32> {
    let status = if apply { "importing" } else { "checking" };
    let run: Option<(i32,)> = sqlx::query_as(
        "UPDATE crm_imports SET status = $2, run = run + 1 \
         WHERE id = $1 AND status NOT IN ('checking', 'importing') RETURNING run",
    )
    .bind(id)
    .bind(status)
    .fetch_optional(tx.conn())
    .await?;
    match run {
        Some((run,)) => Ok(run),
        None => {
            get(tx, id).await?;
            Err(DbError::Conflict(
                "a run of this import is under way".into(),
            ))
        }
    }
}

/// A dry run that stopped part way starts over under a new number (its
/// effects were never kept, so what it saw is gone).
pub async fn restart_check(tx: &mut Tx, id: Uuid) -> Result<i32> {
    let (run,): (i32,) = sqlx::query_as(
        "UPDATE crm_imports SET run = run + 1 WHERE id = $1 AND status = 'checking' RETURNING run",
    )
    .bind(id)
    .fetch_optional(tx.conn())
    .await?
    .ok_or(DbError::NotFound)?;
    Ok(run)
}

/// Whether the person who uploaded a file may still act in the client (a
/// removed or disabled member's import stops).
pub async fn uploader_may_act(tx: &mut Tx, user: Uuid) -> Result<bool> {
    Ok(
        sqlx::query_scalar("SELECT crm_session_valid($1, $2, '-infinity')")
            .bind(user)
            .bind(tx.client().0)
            .fetch_one(tx.conn())
            .await?,
    )
}

/// Ends a run: checked after a dry run, imported after the import.
pub async fn finish(tx: &mut Tx, id: Uuid, run: i32, apply: bool) -> Result<()> {
    let status = if apply { "imported" } else { "checked" };
    sqlx::query("UPDATE crm_imports SET status = $3 WHERE id = $1 AND run = $2")
        .bind(id)
        .bind(run)
        .bind(status)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A run that stopped for good (its task failed): the page stops waiting
/// and a new run may start.
pub async fn fail(tx: &mut Tx, id: Uuid) -> Result<()> {
    sqlx::query(
        "UPDATE crm_imports SET status = 'failed' WHERE id = $1 AND status IN ('checking', 'importing')",
    )
    .bind(id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Records what a run did with some lines.
pub async fn record(tx: &mut Tx, id: Uuid, run: i32, lines: &[LineOutcome]) -> Result<()> {
    if lines.is_empty() {
        return Ok(());
    }
    let mut q = sqlx::QueryBuilder::new(
        "INSERT INTO crm_import_rows (import_id, run, line, outcome, reason, record_id) ",
    );
    q.push_values(lines, |mut b, l| {
        b.push_bind(id)
            .push_bind(run)
            .push_bind(l.line)
            .push_bind(l.outcome)
            .push_bind(l.reason.as_deref().map(|r| truncate(r, 500)))
            .push_bind(l.record_id);
    });
    q.build().execute(tx.conn()).await?;
    Ok(())
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

/// The lines a run has already recorded (a resumed import skips them).
pub async fn recorded_lines(
    tx: &mut Tx,
    id: Uuid,
    run: i32,
) -> Result<std::collections::HashSet<i32>> {
    let rows: Vec<(i32,)> =
        sqlx::query_as("SELECT line FROM crm_import_rows WHERE import_id = $1 AND run = $2")
            .bind(id)
            .bind(run)
            .fetch_all(tx.conn())
            .await?;
    Ok(rows.into_iter().map(|(l,)| l).collect())
}

/// A run's tally and its lines worth reading (all but unchanged ones,
/// the first `limit` by line).
pub async fn report(tx: &mut Tx, id: Uuid, run: i32, limit: i64) -> Result<ImportReport> {
    let counts: Vec<(Outcome, i64)> = sqlx::query_as(
        "SELECT outcome, count(*) FROM crm_import_rows WHERE import_id = $1 AND run = $2 \
         GROUP BY outcome",
    )
    .bind(id)
    .bind(run)
    .fetch_all(tx.conn())
    .await?;
    let mut report = ImportReport::default();
    for (outcome, n) in counts {
        report.tally.add(outcome, n);
    }
    report.lines = sqlx::query_as(
        "SELECT line, outcome, reason, record_id FROM crm_import_rows \
         WHERE import_id = $1 AND run = $2 AND outcome <> 'unchanged' ORDER BY line LIMIT $3",
    )
    .bind(id)
    .bind(run)
    .bind(limit)
    .fetch_all(tx.conn())
    .await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_byte_order_mark_and_quoted_newlines_are_read() {
        let p = parse("\u{feff}Id,Name\n1,\"two\nlines\"\n\n2,short\n3\n").unwrap();
        assert_eq!(p.headers, vec!["Id", "Name"]);
        assert_eq!(p.rows[0], (2, vec!["1".into(), "two\nlines".into()]));
        assert_eq!(p.rows[1].0, 5);
        assert_eq!(p.rows[2], (6, vec!["3".to_string()]));
    }

    #[test]
    fn a_head_stops_at_its_limit_and_a_cut_line_is_no_error() {
        let p = read("Name\na\nb\nc\nd\n", 3).unwrap();
        assert_eq!(p.rows.len(), 3);
        let p = read("Name,Note\nAda,fine\nGrace,\"cut off insi", 3).unwrap();
        assert_eq!(p.rows[0], (2, vec!["Ada".to_string(), "fine".to_string()]));
    }

    #[test]
    fn a_file_without_header_is_refused() {
        assert!(parse("").is_err());
        assert!(parse(",,\n").is_err());
    }
}
