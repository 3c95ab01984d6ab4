//! Owning the data: a consistent backup in Postgres's own custom format,
//! and a restore into an empty database. The backup carries its schema
//! version in the migrations table it contains; the restore reads it
//! before touching anything and refuses a schema newer than this build.

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Command, Stdio},
};

use anyhow::{anyhow, bail, Context};
use indicatif::{ProgressBar, ProgressStyle};
use sqlx::PgPool;

use crate::{config::DatabaseUrl, pg::find_bin_dir};

/// What a finished backup or restore reports.
#[derive(Debug)]
pub struct Done {
    pub path: PathBuf,
    /// The newest migration the data was written under.
    pub schema: i64,
}

/// Writes a backup of `url`'s database to `out`. Postgres's snapshot makes
/// it consistent while the server keeps running; the file appears under its
/// name only once complete. `progress`: a bar on the terminal.
pub async fn backup(
    url: &DatabaseUrl,
    owner: &PgPool,
    out: &Path,
    progress: bool,
) -> anyhow::Result<Done> {
    let schema = schema_version(owner).await?;
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(owner)
            .await?;
    let partial = out.with_extension("partial");
    let bar = if progress {
        bar(tables as u64, "backing up")
    } else {
        ProgressBar::hidden()
    };
    let args = [
        "--format=custom".to_string(),
        "--verbose".into(),
        "--no-password".into(),
        format!("--file={}", partial.display()),
    ];
    let result = run_tool(
        url,
        "pg_dump",
        args.to_vec(),
        &bar,
        "dumping contents of table",
    )
    .await;
    bar.finish_and_clear();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, out).with_context(|| format!("cannot write {}", out.display()))?;
    Ok(Done {
        path: out.to_path_buf(),
        schema,
    })
}

/// Restores `file` into `url`'s database, which must be empty; then applies
/// the migrations this build has beyond the backup's.
pub async fn restore(url: &DatabaseUrl, owner: &PgPool, file: &Path) -> anyhow::Result<Done> {
    if !file.is_file() {
        bail!("no backup at {}", file.display());
    }
    let schema = backup_schema(url, file)?;
    let newest = super::latest_migration();
    if schema > newest {
        bail!("the backup's schema ({schema}) is newer than this build's ({newest}): restore with a newer redkey");
    }
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(owner)
            .await?;
    if tables > 0 {
        bail!("the database is not empty ({tables} tables): restore into a new database");
    }
    // Roles belong to the server, not the database: the backup's grants
    // and owners need them first.
    let mut conn = owner.acquire().await?;
    redkey_data::admin::ensure_roles(&mut conn).await?;
    // The archive hands objects to redkey_owner before its own grants (they
    // come last); an owner that is not a superuser (Supabase's) may only do
    // that once redkey_owner may create in the schema, as migration 0001
    // grants.
    sqlx::query("GRANT USAGE, CREATE ON SCHEMA public TO redkey_owner")
        .execute(&mut *conn)
        .await?;
    drop(conn);
    let entries = list_entries(url, file)?;
    let bar = bar(entries, "restoring");
    let args = [
        "--verbose".to_string(),
        "--no-password".into(),
        "--exit-on-error".into(),
        "--single-transaction".into(),
        format!(
            "--dbname={}",
            url.options().get_database().unwrap_or("postgres")
        ),
        file.display().to_string(),
    ];
    let result = run_tool(
        url,
        "pg_restore",
        args.to_vec(),
        &bar,
        "processing data for table",
    )
    .await;
    bar.finish_and_clear();
    result?;
    super::migrate(owner)
        .await
        .context("the restored data did not take this build's migrations")?;
    Ok(Done {
        path: file.to_path_buf(),
        schema,
    })
}

async fn schema_version(owner: &PgPool) -> anyhow::Result<i64> {
    super::applied_migration(owner)
        .await
        .ok_or_else(|| anyhow!("the database has no RedKey schema (run `redkey migrate` first)"))
}

/// The newest migration recorded in the backup's own migrations table.
fn backup_schema(url: &DatabaseUrl, file: &Path) -> anyhow::Result<i64> {
    let out = tool(url, "pg_restore")?
        .args(["--data-only", "--table=_sqlx_migrations", "--file=-"])
        .arg(file)
        .output()
        .context("cannot run pg_restore")?;
    if !out.status.success() {
        bail!(
            "{} is not a readable backup: {}",
            file.display(),
            first_line(&String::from_utf8_lossy(&out.stderr))
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    // COPY's text format: the version is each data row's first field.
    let mut rows = text
        .lines()
        .skip_while(|l| !l.starts_with("COPY "))
        .skip(1)
        .take_while(|l| *l != "\\.");
    rows.try_fold(None::<i64>, |max, row| {
        let v: i64 = row.split('\t').next().unwrap_or("").parse().ok()?;
        Some(Some(max.map_or(v, |m| m.max(v))))
    })
    .flatten()
    .ok_or_else(|| anyhow!("{} holds no RedKey schema version", file.display()))
}

/// How many data entries the archive holds: the restore's progress scale.
fn list_entries(url: &DatabaseUrl, file: &Path) -> anyhow::Result<u64> {
    let out = tool(url, "pg_restore")?
        .arg("--list")
        .arg(file)
        .output()
        .context("cannot run pg_restore")?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(" TABLE DATA "))
        .count() as u64)
}

/// Runs a Postgres tool against `url`, advancing `bar` on each stderr line
/// that carries `marker`; the last error line explains a failure. The wait
/// runs on a blocking thread: arlo's daily backup runs inside the server.
async fn run_tool(
    url: &DatabaseUrl,
    name: &'static str,
    args: Vec<String>,
    bar: &ProgressBar,
    marker: &'static str,
) -> anyhow::Result<()> {
    let (url, bar) = (url.clone(), bar.clone());
    tokio::task::spawn_blocking(move || wait_for_tool(&url, name, &args, &bar, marker))
        .await
        .map_err(|e| anyhow!("{name} did not finish: {e}"))?
}

fn wait_for_tool(
    url: &DatabaseUrl,
    name: &str,
    args: &[String],
    bar: &ProgressBar,
    marker: &str,
) -> anyhow::Result<()> {
    let mut child = tool(url, name)?
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {name}"))?;
    let mut last_error = String::new();
    if let Some(err) = child.stderr.take() {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            if line.contains(marker) {
                bar.inc(1);
            } else if line.contains("error:") || line.contains("FATAL") {
                last_error = line;
            }
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("{name} failed: {}", first_line(&last_error));
    }
    Ok(())
}

/// The tool from the newest installed Postgres, connected through libpq's
/// environment (never a password on the command line).
fn tool(url: &DatabaseUrl, name: &str) -> anyhow::Result<Command> {
    let mut cmd = Command::new(find_bin_dir()?.join(name));
    cmd.env_remove("PGPASSWORD").envs(url.libpq_env());
    Ok(cmd)
}

fn bar(len: u64, what: &'static str) -> ProgressBar {
    ProgressBar::new(len).with_style(
        ProgressStyle::with_template(&format!("{what} {{bar:40}} {{pos}}/{{len}} tables"))
            .expect("a valid template"),
    )
}

fn first_line(text: &str) -> &str {
    text.trim().lines().next().unwrap_or("no message")
}
