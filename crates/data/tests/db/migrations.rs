//! The Twenty-upgrade drill and the documented contract.

use std::borrow::Cow;

use redkey_data::admin::MIGRATOR;
use redkey_testkit::TestDb;
use sqlx::{migrate::Migrator, PgPool};

const DRILL: i64 = 6;
/// The migration that brings in `redkey_isolate()`.
const ISOLATE: i64 = 13;

/// Every privilege any serving role holds, as sorted text lines.
async fn privilege_snapshot(pool: &PgPool) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT format('%s %s %s %s', grantee, table_name, privilege_type, column_name) FROM ( \
           SELECT grantee, table_schema AS s, table_name, privilege_type, '' AS column_name \
             FROM information_schema.role_table_grants \
           UNION ALL SELECT grantee, table_schema, table_name, privilege_type, column_name \
             FROM information_schema.column_privileges \
           UNION ALL SELECT grantee, routine_schema, routine_name, privilege_type, '' \
             FROM information_schema.routine_privileges) p \
         WHERE grantee IN ('redkey_human', 'redkey_agent', 'redkey_engine', 'redkey_app', 'PUBLIC') \
           AND s = 'public' \
         ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

/// The real migrations up to and including `version`.
pub fn up_to(version: i64) -> Migrator {
    Migrator {
        migrations: Cow::Owned(
            MIGRATOR
                .iter()
                .filter(|m| m.version <= version)
                .cloned()
                .collect(),
        ),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    }
}

#[tokio::test]
async fn the_upgrade_drill_recreates_views_with_identical_privileges() {
    let before_drill = up_to(DRILL - 1);
    let t = TestDb::with_migrator(&before_drill).await;
    let before = privilege_snapshot(&t.owner).await;
    assert!(
        before
            .iter()
            .any(|l| l == "redkey_human crm_contacts UPDATE priority"),
        "{before:#?}"
    );
    assert!(before
        .iter()
        .any(|l| l == "redkey_agent crm_contacts UPDATE linkedin_url"));
    let view_before: String = sqlx::query_scalar("SELECT pg_get_viewdef('crm_contacts')")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert!(view_before.contains("linkedin_link_primary_link_url"));

    up_to(DRILL).run(&t.owner).await.unwrap();

    let after = privilege_snapshot(&t.owner).await;
    assert_eq!(before, after, "the drill changed privileges");
    let view_after: String = sqlx::query_scalar("SELECT pg_get_viewdef('crm_contacts')")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert!(
        view_after.contains("linkedin_link_url AS linkedin_url"),
        "{view_after}"
    );
    let email_type: String = sqlx::query_scalar(
        "SELECT data_type FROM information_schema.columns WHERE table_name = 'people' AND column_name = 'emails_primary_email'",
    )
    .fetch_one(&t.owner)
    .await
    .unwrap();
    assert_eq!(email_type, "character varying");
}

#[tokio::test]
async fn the_documented_column_classes_match_the_database() {
    let t = TestDb::new().await;
    let mut in_db: Vec<String> = sqlx::query_scalar(
        "SELECT format('%s %s %s %s %s', view_name, column_name, class, \
                CASE WHEN on_insert THEN 'yes' ELSE 'no' END, CASE WHEN on_update THEN 'yes' ELSE 'no' END) \
         FROM redkey_column_policy",
    )
    .fetch_all(&t.owner)
    .await
    .unwrap();
    in_db.sort();
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/data-model.md"
    ))
    .unwrap();
    let mut view = String::new();
    let mut in_doc = vec![];
    for line in doc.lines() {
        if let Some(v) = line.strip_prefix("### `").and_then(|l| l.strip_suffix('`')) {
            view = v.to_string();
        } else if let (false, Some(row)) = (view.is_empty(), line.strip_prefix("| `")) {
            let cells: Vec<&str> = row.split('|').map(|c| c.trim().trim_matches('`')).collect();
            in_doc.push(format!(
                "{view} {} {} {} {}",
                cells[0], cells[1], cells[2], cells[3]
            ));
        }
    }
    in_doc.sort();
    assert_eq!(in_doc, in_db);
}

/// The plan of a query that only row security filters, as `redkey_owner`
/// (whom forced row security binds) in `client`, sequential scans off.
async fn policy_plan(t: &TestDb, client: redkey_data::ClientId) -> String {
    let mut tx = t.owner_tx(client).await;
    sqlx::query("SET LOCAL enable_seqscan = off")
        .execute(&mut *tx)
        .await
        .unwrap();
    let plan: Vec<String> =
        sqlx::query_scalar("EXPLAIN SELECT id FROM activities ORDER BY happens_at DESC LIMIT 5")
            .fetch_all(&mut *tx)
            .await
            .unwrap();
    plan.join("\n")
}

#[tokio::test]
async fn the_isolation_routine_keeps_the_plans_it_replaces() {
    let t = TestDb::with_migrator(&up_to(ISOLATE - 1)).await;
    let a = t.client("alpha").await;
    let before = policy_plan(&t, a).await;
    redkey_data::admin::migrate(&t.owner).await.unwrap();
    let after = policy_plan(&t, a).await;
    // redkey_client_id() is inlined: the policy still reads as the
    // expression and serves as the index condition, exactly as before.
    assert!(
        after.contains("Index Cond: (workspace_id = (NULLIF(current_setting('redkey.client_id'"),
        "{after}"
    );
    assert!(!after.contains("redkey_client_id"), "not inlined: {after}");
    assert_eq!(before, after);
    // And every client table's policy now comes from the routine.
    let elsewhere: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_policies WHERE policyname = 'client_isolation' \
           AND tablename NOT IN ('workspaces', 'contact_search') \
           AND qual NOT LIKE '%redkey_client_id()%' ORDER BY 1",
    )
    .fetch_all(&t.owner)
    .await
    .unwrap();
    assert!(elsewhere.is_empty(), "{elsewhere:?}");
}

/// An upgrade runs the new migrations on a connection of its own, where
/// nothing an earlier migration loaded into its session (an extension's
/// library, its settings) is there yet: each recent migration applies on
/// a fresh connection after its predecessors.
#[tokio::test]
async fn each_recent_migration_applies_on_a_fresh_connection() {
    let latest = MIGRATOR.iter().map(|m| m.version).max().unwrap();
    for version in (latest - 6)..=latest {
        let t = TestDb::with_migrator(&up_to(version - 1)).await;
        let fresh = sqlx::PgPool::connect(&t.url()).await.unwrap();
        up_to(version)
            .run(&fresh)
            .await
            .unwrap_or_else(|e| panic!("migration {version} on a fresh connection: {e}"));
        fresh.close().await;
    }
}
