//! One client's records as a zip of CSV and JSON files, readable without
//! RedKey: what the client takes with them. Everything is read through the
//! `crm_*` views scoped to that client, so nothing of another client's can
//! reach the archive, and the files they uploaded come along as they are.

use std::{
    fs::File,
    io::{BufWriter, Seek, Write},
    path::{Path, PathBuf},
};

use anyhow::{bail, Context};
use futures::TryStreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;
use zip::{write::SimpleFileOptions, CompressionMethod, ZipWriter};

use crate::files::FileStore;

/// What goes in, as `<name>.csv` and `<name>.json`: the view and its order.
const RECORDS: [(&str, &str, &str); 14] = [
    ("companies", "crm_companies", "id"),
    ("contacts", "crm_contacts", "id"),
    ("pipelines", "crm_pipelines", "position, id"),
    (
        "stages",
        "crm_pipeline",
        "pipeline_position, stage_position",
    ),
    ("deals", "crm_deals", "id"),
    ("activities", "crm_activities", "happens_at, id"),
    ("notes", "crm_notes", "id"),
    ("note_targets", "crm_note_targets", "id"),
    ("tasks", "crm_todos", "id"),
    ("task_targets", "crm_todo_targets", "id"),
    ("sequences", "crm_sequences", "id"),
    ("sequence_contacts", "crm_sequence_contacts", "id"),
    ("files", "crm_attachments", "id"),
    ("file_targets", "crm_attachment_targets", "id"),
];

/// What an export wrote.
#[derive(Debug)]
pub struct Exported {
    pub path: PathBuf,
    /// Rows per record kind, in `RECORDS` order.
    pub rows: Vec<(&'static str, i64)>,
    /// Uploaded files included (their bytes under `files/`).
    pub files: usize,
}

/// Writes client `slug`'s records to `out`, a zip that appears under its
/// name only once complete. Reads as the views' owner scoped to the client.
pub async fn export(
    owner: &PgPool,
    store: &dyn FileStore,
    slug: &str,
    out: &Path,
) -> anyhow::Result<Exported> {
    let client: Option<(Uuid, String)> =
        sqlx::query_as("SELECT id, name FROM workspaces WHERE slug = $1")
            .bind(slug)
            .fetch_optional(owner)
            .await?;
    let Some((client, name)) = client else {
        bail!("no client {slug:?} (see `redkey create-client`)");
    };
    let mut tx = redkey_data::admin::owner_scoped(
        owner,
        client,
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    )
    .await?;
    let partial = out.with_extension("partial");
    let file =
        File::create(&partial).with_context(|| format!("cannot write {}", partial.display()))?;
    let bar = ProgressBar::new(RECORDS.len() as u64).with_style(
        ProgressStyle::with_template("exporting {bar:40} {pos}/{len} {msg}")
            .expect("a valid template"),
    );
    let result = write_archive(&mut tx, store, &name, BufWriter::new(file), &bar).await;
    bar.finish_and_clear();
    match result {
        Ok((rows, files)) => {
            std::fs::rename(&partial, out)
                .with_context(|| format!("cannot write {}", out.display()))?;
            Ok(Exported {
                path: out.to_path_buf(),
                rows,
                files,
            })
        }
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}

/// Every kind of record as CSV and JSON, then the stored files, into `out`.
/// `conn` is inside a transaction scoped to one client, read-only and
/// repeatable-read so every file of the archive shows the same moment; it
/// prepares no named statement, so it may pass through a pooler.
pub async fn write_archive<W: Write + Seek>(
    conn: &mut PgConnection,
    store: &dyn FileStore,
    client_name: &str,
    out: W,
    bar: &ProgressBar,
) -> anyhow::Result<(Vec<(&'static str, i64)>, usize)> {
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    let mut zip = ZipWriter::new(out);
    let mut rows = Vec::new();
    for (kind, view, order) in RECORDS {
        bar.set_message(kind);
        let select = format!("SELECT * FROM {view} ORDER BY {order}");
        zip.start_file(format!("{kind}.csv"), options)?;
        copy_csv(conn, &select, &mut zip).await?;
        zip.start_file(format!("{kind}.json"), options)?;
        rows.push((kind, write_json(conn, &select, &mut zip).await?));
        bar.inc(1);
    }
    let attachments: Vec<(Uuid, String, String)> =
        sqlx::query_as("SELECT id, name, full_path FROM crm_attachments ORDER BY id")
            .persistent(false)
            .fetch_all(&mut *conn)
            .await?;
    bar.inc_length(attachments.len() as u64);
    let mut files = 0;
    for (id, file_name, key) in attachments {
        bar.set_message(file_name.clone());
        // A row whose bytes are gone is listed in files.csv but has no file.
        if let Some(bytes) = store.get(&key).await? {
            zip.start_file(format!("files/{id}-{}", safe_name(&file_name)), options)?;
            zip.write_all(&bytes)?;
            files += 1;
        }
        bar.inc(1);
    }
    zip.start_file("README.txt", options)?;
    zip.write_all(readme(client_name, &rows, files).as_bytes())?;
    zip.finish()?.flush()?;
    Ok((rows, files))
}

/// Postgres writes the CSV itself (quoting, NULLs as empty fields).
async fn copy_csv(
    conn: &mut PgConnection,
    select: &str,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut stream = conn
        .copy_out_raw(&format!(
            "COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER)"
        ))
        .await?;
    while let Some(chunk) = stream.try_next().await? {
        out.write_all(&chunk)?;
    }
    Ok(())
}

/// A JSON array, one object per row, streamed; returns the row count.
async fn write_json(
    conn: &mut PgConnection,
    select: &str,
    out: &mut impl Write,
) -> anyhow::Result<i64> {
    let sql = format!("SELECT row_to_json(r)::text FROM ({select}) r");
    // Unnamed: one statement per view is not worth caching, and the
    // cockpit's download may run behind a transaction-mode pooler.
    let mut rows = sqlx::query_scalar::<_, String>(&sql)
        .persistent(false)
        .fetch(&mut *conn);
    let mut n = 0;
    out.write_all(b"[")?;
    while let Some(row) = rows.try_next().await? {
        out.write_all(if n == 0 { b"\n" } else { b",\n" })?;
        out.write_all(row.as_bytes())?;
        n += 1;
    }
    out.write_all(b"\n]\n")?;
    Ok(n)
}

/// A file name that stays inside `files/` on any system that unpacks it.
fn safe_name(name: &str) -> String {
    let mut cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect();
    while cleaned.contains("..") {
        cleaned = cleaned.replace("..", ".");
    }
    cleaned.trim_start_matches('.').chars().take(120).collect()
}

fn readme(client: &str, rows: &[(&str, i64)], files: usize) -> String {
    let mut text = format!(
        "{client}: records exported from RedKey CRM.\n\n\
         Each kind of record is here twice, with the same rows: as CSV (a header \
         row, empty fields for no value) and as JSON (an array of objects). Ids \
         join the files: contacts.company_id is a companies.id, deals.stage_id a \
         stages.stage_id, the *_targets files link notes, tasks and files to \
         contacts, companies and deals. Amounts are in millionths of the currency (amount_micros, as in Twenty). \
         Uploaded files are under files/, named by their id in files.csv.\n\n"
    );
    for (kind, n) in rows {
        text.push_str(&format!("{kind:<18} {n} rows\n"));
    }
    text.push_str(&format!("{:<18} {files} stored files\n", "files/"));
    text
}
