//! The restore drill: a populated database backed up with `redkey backup`
//! and restored into a fresh one with `redkey restore` holds the same rows
//! behind every view, and the same privileges, policies and functions.

use std::path::Path;

use redkey_testkit::{EmptyDb, TestDb};
use sqlx::{PgPool, Row};

use crate::helpers::command;

fn redkey(url: &str, args: &[&str]) -> (bool, String, String) {
    let ran = command::redkey(&[("DATABASE_URL", url)], args);
    (ran.ok, ran.out.trim().to_string(), ran.err)
}

/// Every `crm_*` view's row count, per client, as the views' owner scoped to
/// that client (the way the data layer reads them).
async fn rows_per_view(pool: &PgPool) -> Vec<(String, String, i64)> {
    let clients: Vec<(uuid::Uuid, String)> =
        sqlx::query_as("SELECT id, slug FROM workspaces ORDER BY slug")
            .fetch_all(pool)
            .await
            .unwrap();
    let views: Vec<String> = sqlx::query_scalar(
        "SELECT viewname::text FROM pg_views WHERE schemaname = 'public' AND viewname LIKE 'crm\\_%' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut counts = Vec::new();
    for (id, slug) in &clients {
        for view in &views {
            let mut tx = pool.begin().await.unwrap();
            sqlx::query("SET LOCAL ROLE redkey_owner")
                .execute(&mut *tx)
                .await
                .unwrap();
            sqlx::query("SELECT set_config('redkey.client_id', $1, true)")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .unwrap();
            let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {view}"))
                .fetch_one(&mut *tx)
                .await
                .unwrap_or(-1);
            counts.push((slug.clone(), view.clone(), n));
        }
    }
    counts
}

/// The contract the data layer relies on: column privileges, row policies,
/// functions with their security and settings, and the schema version.
async fn contract(pool: &PgPool) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT grantee || ' ' || table_name || '.' || column_name || ' ' || privilege_type
           FROM information_schema.column_privileges WHERE grantee LIKE 'redkey\\_%' ORDER BY 1",
        "SELECT tablename || ' ' || policyname || ' ' || coalesce(qual, '') || ' ' || coalesce(with_check, '')
           FROM pg_policies WHERE schemaname = 'public' ORDER BY 1",
        "SELECT p.proname || ' ' || p.prosecdef || ' ' || coalesce(array_to_string(p.proconfig, ','), '')
              || ' ' || pg_get_userbyid(p.proowner)
           FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace ORDER BY 1",
        "SELECT c.relname || ' ' || c.relforcerowsecurity || ' ' || pg_get_userbyid(c.relowner)
           FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'v') ORDER BY 1",
        "SELECT string_agg(version::text, ',' ORDER BY version) FROM _sqlx_migrations",
    ] {
        let rows = sqlx::query(sql).fetch_all(pool).await.unwrap();
        out.extend(rows.iter().map(|r| r.get::<String, _>(0)));
    }
    out
}

#[tokio::test]
async fn a_backup_restores_into_a_fresh_database_with_the_same_rows_and_contract() {
    let t = TestDb::new().await;
    redkey::admin::seed::seed(&t.owner, &t.db).await.unwrap();
    let dir = std::env::temp_dir().join(format!("redkey-backup-{}", t.name));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("crm.dump");
    let (ok, out, err) = redkey(&t.url(), &["backup", "--out", file.to_str().unwrap()]);
    assert!(ok, "backup failed: {err}");
    let schema = redkey::admin::latest_migration();
    assert!(out.contains(&format!("schema version {schema}")), "{out}");
    assert!(file.is_file() && !file.with_extension("partial").exists());

    let fresh = EmptyDb::new().await;
    let (ok, out, err) = redkey(&fresh.url(), &["restore", file.to_str().unwrap()]);
    assert!(ok, "restore failed: {err}");
    assert!(out.starts_with("restored "), "{out}");
    let restored = PgPool::connect(&fresh.url()).await.unwrap();

    let before = rows_per_view(&t.owner).await;
    assert!(
        before.iter().any(|(_, v, n)| v == "crm_contacts" && *n > 0),
        "the seeded database has contacts behind the view"
    );
    assert!(before.iter().all(|(_, _, n)| *n >= 0), "every view reads");
    assert_eq!(rows_per_view(&restored).await, before);
    assert_eq!(contract(&restored).await, contract(&t.owner).await);

    // A second restore into the now populated database is refused and
    // changes nothing.
    let (ok, _, err) = redkey(&fresh.url(), &["restore", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(err.starts_with("error: the database is not empty"), "{err}");
    assert_eq!(rows_per_view(&restored).await, before);
    restored.close().await;
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_file_that_is_not_a_backup_is_refused_clearly() {
    let fresh = EmptyDb::new().await;
    let dir = std::env::temp_dir().join(format!("redkey-notbackup-{}", fresh.name));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("notes.txt");
    std::fs::write(&file, "not a backup").unwrap();
    let (ok, _, err) = redkey(&fresh.url(), &["restore", file.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        err.starts_with(&format!(
            "error: {} is not a readable backup",
            file.display()
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let (ok, _, err) = redkey(&fresh.url(), &["restore", "/nonexistent/crm.dump"]);
    assert!(!ok);
    assert_eq!(err, "error: no backup at /nonexistent/crm.dump");
    let empty = PgPool::connect(&fresh.url()).await.unwrap();
    let tables: i64 =
        sqlx::query_scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            .fetch_one(&empty)
            .await
            .unwrap();
    assert_eq!(tables, 0, "a refused restore leaves the database empty");
    empty.close().await;
    std::fs::remove_dir_all(Path::new(&dir)).ok();
}
