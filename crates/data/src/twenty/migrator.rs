//! The adapter's own migrations and history (`_redkey_twenty_migrations`),
//! apart from the main set's `_sqlx_migrations`: the main migrator, the
//! readiness check and later view changes never see or undo them.

use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection};

use crate::{DbError, Result};

struct Migration {
    version: i32,
    name: &'static str,
    sql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "adapter",
        sql: include_str!("../../twenty/0001_adapter.sql"),
    },
    Migration {
        version: 2,
        name: "contact_search",
        sql: include_str!("../../twenty/0002_contact_search.sql"),
    },
    Migration {
        version: 3,
        name: "todos",
        sql: include_str!("../../twenty/0003_todos.sql"),
    },
    Migration {
        version: 4,
        name: "activities",
        sql: include_str!("../../twenty/0004_activities.sql"),
    },
    Migration {
        version: 5,
        name: "enrichment_lookups",
        sql: include_str!("../../twenty/0005_enrichment_lookups.sql"),
    },
    Migration {
        version: 6,
        name: "one_pipeline",
        sql: include_str!("../../twenty/0006_one_pipeline.sql"),
    },
    Migration {
        version: 7,
        name: "trash",
        sql: include_str!("../../twenty/0007_trash.sql"),
    },
    Migration {
        version: 8,
        name: "owners",
        sql: include_str!("../../twenty/0008_owners.sql"),
    },
    Migration {
        version: 9,
        name: "search",
        sql: include_str!("../../twenty/0009_search.sql"),
    },
    Migration {
        version: 10,
        name: "files",
        sql: include_str!("../../twenty/0010_files.sql"),
    },
    Migration {
        version: 11,
        name: "audit",
        sql: include_str!("../../twenty/0011_audit.sql"),
    },
    Migration {
        version: 12,
        name: "sequences",
        sql: include_str!("../../twenty/0012_sequences.sql"),
    },
    Migration {
        version: 13,
        name: "timeline",
        sql: include_str!("../../twenty/0013_timeline.sql"),
    },
    Migration {
        version: 14,
        name: "erasure",
        sql: include_str!("../../twenty/0014_erasure.sql"),
    },
    Migration {
        version: 15,
        name: "activity_days",
        sql: include_str!("../../twenty/0015_activity_days.sql"),
    },
    Migration {
        version: 16,
        name: "sequence_counts",
        sql: include_str!("../../twenty/0016_sequence_counts.sql"),
    },
    Migration {
        version: 17,
        name: "deal_charts",
        sql: include_str!("../../twenty/0017_deal_charts.sql"),
    },
    Migration {
        version: 18,
        name: "recontact_indexes",
        sql: include_str!("../../twenty/0018_recontact_indexes.sql"),
    },
    Migration {
        version: 19,
        name: "contact_search_page",
        sql: include_str!("../../twenty/0019_contact_search_page.sql"),
    },
    Migration {
        version: 20,
        name: "attention_first",
        sql: include_str!("../../twenty/0020_attention_first.sql"),
    },
    Migration {
        version: 21,
        name: "search_resync",
        sql: include_str!("../../twenty/0021_search_resync.sql"),
    },
    Migration {
        version: 22,
        name: "contact_search_company_names",
        sql: include_str!("../../twenty/0022_contact_search_company_names.sql"),
    },
    Migration {
        version: 23,
        name: "record_resolver_best_first",
        sql: include_str!("../../twenty/0023_record_resolver_best_first.sql"),
    },
    Migration {
        version: 24,
        name: "contact_search_few_first",
        sql: include_str!("../../twenty/0024_contact_search_few_first.sql"),
    },
    Migration {
        version: 25,
        name: "contact_search_words",
        sql: include_str!("../../twenty/0025_contact_search_words.sql"),
    },
    Migration {
        version: 26,
        name: "board_stamp",
        sql: include_str!("../../twenty/0026_board_stamp.sql"),
    },
];

/// The newest adapter migration this build carries.
pub fn latest() -> i32 {
    MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Applies the adapter migrations not yet applied, each in the one
/// transaction with its history row; refuses when an applied one was
/// edited since.
pub async fn run(conn: &mut PgConnection) -> Result<()> {
    let mut tx = conn.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(7201867)")
        .execute(&mut *tx)
        .await?;
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS _redkey_twenty_migrations (
           version integer PRIMARY KEY,
           name text NOT NULL,
           checksum text NOT NULL,
           applied_at timestamptz NOT NULL DEFAULT now())",
    )
    .execute(&mut *tx)
    .await?;
    let applied: Vec<(i32, String)> =
        sqlx::query_as("SELECT version, checksum FROM _redkey_twenty_migrations")
            .fetch_all(&mut *tx)
            .await?;
    for m in MIGRATIONS {
        let sum = checksum(m.sql);
        match applied.iter().find(|(v, _)| *v == m.version) {
            Some((_, s)) if *s == sum => continue,
            Some(_) => {
                return Err(DbError::Invalid(format!(
                    "adapter migration {} ({}) was changed after it was applied",
                    m.version, m.name
                )))
            }
            None => {}
        }
        sqlx::raw_sql(m.sql).execute(&mut *tx).await?;
        sqlx::query("RESET ROLE").execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO _redkey_twenty_migrations (version, name, checksum) VALUES ($1, $2, $3)",
        )
        .bind(m.version)
        .bind(m.name)
        .bind(sum)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}
