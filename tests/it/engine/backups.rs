//! `database.backup`: arlo's daily backup into the file store, the newest
//! `REDKEY_BACKUP_KEEP` kept, taken once per database, and restorable.

use std::sync::Arc;

use redkey::{config::DatabaseUrl, engine::Engine, files::LocalDir};
use redkey_data::engine::Outcome;
use redkey_testkit::{EmptyDb, TestDb};
use serde_json::{json, Value};

use super::*;
use crate::helpers::command;

#[tokio::test]
async fn arlo_keeps_the_newest_daily_backups_and_one_restores() {
    let t = TestDb::new().await;
    let (alpha, beta, _) = t.two_clients().await;
    let dir = std::env::temp_dir().join(format!("redkey-backups-{}", t.name));
    let url = DatabaseUrl::parse("DATABASE_URL", t.url().into()).unwrap();
    let engine = Engine::new(
        t.db.clone(),
        settings("one", &[("REDKEY_BACKUP_KEEP", "2")]),
        None,
    )
    .unwrap()
    .with_backups(url.clone(), Arc::new(LocalDir::new(&dir)));
    let run = |engine: Engine, client| {
        let t = &t;
        async move {
            enqueue(t, client, "database.backup", json!({})).await;
            match engine.run_one().await.unwrap().unwrap().outcome {
                Outcome::Succeeded(v) => v,
                other => panic!("{other:?}"),
            }
        }
    };

    let mut keys = Vec::new();
    for _ in 0..3 {
        let done = run(engine.clone(), alpha).await;
        assert_eq!(done["schema"], redkey::admin::latest_migration(), "{done}");
        assert!(done["bytes"].as_u64().unwrap() > 10_000, "{done}");
        keys.push(done["key"].as_str().unwrap().to_string());
    }
    let mut on_disk: Vec<String> = std::fs::read_dir(dir.join("backups"))
        .unwrap()
        .map(|e| format!("backups/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    on_disk.sort();
    assert_eq!(
        on_disk,
        keys[1..].to_vec(),
        "the oldest went, the newest two stay"
    );

    // The timer ticks for every client; one backup per database.
    let other = run(engine.clone(), beta).await;
    assert_eq!(
        other["skipped"],
        "the database's first client's task takes the backup"
    );
    assert_eq!(std::fs::read_dir(dir.join("backups")).unwrap().count(), 2);

    // The newest restores into an empty database.
    let fresh = EmptyDb::new().await;
    let newest = dir.join(&keys[2]);
    let ran = command::redkey(
        &[("DATABASE_URL", &fresh.url())],
        &["restore", newest.to_str().unwrap()],
    );
    assert!(ran.ok, "{}", ran.err);

    // Off unless asked for.
    let off = Engine::new(t.db.clone(), settings("two", &[]), None)
        .unwrap()
        .with_backups(url, Arc::new(LocalDir::new(&dir)));
    let skipped: Value = run(off, alpha).await;
    assert_eq!(skipped["skipped"], "backups are off (REDKEY_BACKUP_KEEP)");
    std::fs::remove_dir_all(&dir).ok();
}
