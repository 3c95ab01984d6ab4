//! Roles and settings: only an admin changes pipelines and stages (a
//! trigger, whichever function writes), changes roles or removes members;
//! a client always keeps an admin; the migration made everyone who
//! belonged before an admin.

use redkey_data::{pipeline, settings, Actor, DbError};
use redkey_testkit::{over_twenty, TestDb};
use redkey_types::Role;

use crate::migrations::up_to;
use crate::support::pipeline_with;

#[tokio::test]
async fn only_an_admin_changes_pipelines_and_stages() {
    let t = TestDb::new().await;
    let (a, _, admin) = t.two_clients().await;
    let member = Actor::User(t.member("mia@alpha.test", &["alpha"]).await);

    let mut tx = t.tx(a, admin).await;
    assert!(settings::is_admin(&mut tx).await.unwrap());
    let (p, s) = pipeline_with(&mut tx, "Sales", &[("Lead", 10, false, false)]).await;
    let s = s[0];
    settings::rename_pipeline(&mut tx, p, " New business ")
        .await
        .unwrap();
    settings::set_stage_outcome(&mut tx, s, 100, true, false)
        .await
        .unwrap();
    let both = settings::set_stage_outcome(&mut tx, s, 50, true, true).await;
    assert!(matches!(both, Err(DbError::Invalid(_))), "{both:?}");
    tx.rollback().await.unwrap();
    let mut tx = t.tx(a, admin).await;
    let (p, s) = pipeline_with(
        &mut tx,
        "Sales",
        &[("Lead", 10, false, false), ("Won", 100, true, false)],
    )
    .await;
    let s = s[0];
    settings::rename_pipeline(&mut tx, p, " New business ")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    if over_twenty() {
        // Twenty has one pipeline of its stage options: an admin is told so.
        let mut tx = t.tx(a, admin).await;
        let r = pipeline::create_pipeline(&mut tx, "Another").await;
        assert!(
            matches!(&r, Err(DbError::Conflict(m)) if m.contains("one pipeline")),
            "{r:?}"
        );
        drop(tx);
        let mut tx = t.tx(a, admin).await;
        let r = pipeline::create_stage(&mut tx, p, "Another", 5, false, false).await;
        assert!(
            matches!(&r, Err(DbError::Conflict(m)) if m.contains("Twenty")),
            "{r:?}"
        );
        drop(tx);
    }

    let mut tx = t.tx(a, member).await;
    assert!(!settings::is_admin(&mut tx).await.unwrap());
    // Every writing function is refused by the same trigger.
    let r = pipeline::create_pipeline(&mut tx, "Mine").await;
    assert!(matches!(r, Err(DbError::Forbidden(_))), "{r:?}");
    tx.rollback().await.unwrap();
    for attempt in 0..5 {
        let mut tx = t.tx(a, member).await;
        let r = match attempt {
            0 => pipeline::create_stage(&mut tx, p, "Mine", 5, false, false)
                .await
                .map(|_| ()),
            1 => pipeline::rename_stage(&mut tx, s, "Renamed").await,
            2 => pipeline::reorder_stage(&mut tx, s, 1).await,
            3 => settings::rename_pipeline(&mut tx, p, "Renamed").await,
            _ => settings::set_stage_outcome(&mut tx, s, 0, false, true).await,
        };
        assert!(matches!(r, Err(DbError::Forbidden(_))), "{attempt}: {r:?}");
        tx.rollback().await.unwrap();
    }
    let mut tx = t.tx(a, member).await;
    let names: Vec<String> = pipeline::stages(&mut tx)
        .await
        .unwrap()
        .into_iter()
        .map(|s| format!("{} / {}", s.pipeline_name, s.stage_name))
        .collect();
    assert_eq!(
        names,
        ["New business / Lead", "New business / Won"],
        "members still read them, unchanged"
    );
}

#[tokio::test]
async fn roles_change_by_an_admin_and_a_client_always_keeps_one() {
    let t = TestDb::new().await;
    let (a, b, ann) = t.two_clients().await;
    let mia = Actor::User(t.member("mia@alpha.test", &["alpha", "beta"]).await);

    let mut tx = t.tx(a, ann).await;
    let members = settings::members(&mut tx).await.unwrap();
    let role_of = |email: &str| {
        members
            .iter()
            .find(|m| m.email == email)
            .map(|m| (m.id, m.role))
            .unwrap()
    };
    let (ann_id, ann_role) = role_of("owner@alpha.test");
    let (mia_id, mia_role) = role_of("mia@alpha.test");
    assert_eq!((ann_role, mia_role), (Role::Admin, Role::Member));
    tx.rollback().await.unwrap();

    // A member cannot promote themself.
    let mut tx = t.tx(a, mia).await;
    let r = settings::set_role(&mut tx, mia_id, Role::Admin).await;
    assert!(matches!(r, Err(DbError::Forbidden(_))), "{r:?}");
    tx.rollback().await.unwrap();
    // The only admin cannot step down or leave.
    let mut tx = t.tx(a, ann).await;
    let r = settings::set_role(&mut tx, ann_id, Role::Member).await;
    assert!(matches!(r, Err(DbError::Conflict(_))), "{r:?}");
    tx.rollback().await.unwrap();
    let mut tx = t.tx(a, ann).await;
    let r = settings::remove_member(&mut tx, ann_id).await;
    assert!(matches!(r, Err(DbError::Conflict(_))), "{r:?}");
    tx.rollback().await.unwrap();
    // Promoted, Mia may then demote Ann.
    let mut tx = t.tx(a, ann).await;
    settings::set_role(&mut tx, mia_id, Role::Admin)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, mia).await;
    settings::set_role(&mut tx, ann_id, Role::Member)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // Another client's member reads as not found, whoever asks.
    let mut tx = t.tx(b, mia).await;
    let r = settings::set_role(&mut tx, ann_id, Role::Admin).await;
    assert!(
        matches!(r, Err(DbError::Forbidden(_)) | Err(DbError::NotFound)),
        "{r:?}"
    );
    tx.rollback().await.unwrap();

    // Removing Ann ends her membership in alpha only.
    let mut tx = t.tx(a, mia).await;
    settings::remove_member(&mut tx, ann_id).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, mia).await;
    let left: Vec<String> = settings::members(&mut tx)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.email)
        .collect();
    assert_eq!(left, ["mia@alpha.test"]);
    tx.rollback().await.unwrap();
    let clients: Vec<String> =
        sqlx::query_scalar("SELECT w.slug FROM user_clients uc JOIN workspaces w ON w.id = uc.workspace_id JOIN users u ON u.id = uc.user_id WHERE u.email = 'owner@alpha.test'")
            .fetch_all(&t.owner)
            .await
            .unwrap();
    assert_eq!(clients, ["beta"]);
}

#[tokio::test]
async fn the_migration_makes_everyone_who_belonged_an_admin() {
    const ROLES: i64 = 38;
    let t = TestDb::with_migrator(&up_to(ROLES - 1)).await;
    t.client("alpha").await;
    sqlx::query(
        "SELECT redkey_admin_upsert_user('early@alpha.test', 'Early Bird', 'x', ARRAY['alpha'])",
    )
    .execute(&t.owner)
    .await
    .unwrap();
    redkey_data::admin::migrate(&t.owner).await.unwrap();
    let role: String = sqlx::query_scalar(
        "SELECT uc.role FROM user_clients uc JOIN users u ON u.id = uc.user_id \
         WHERE u.email = 'early@alpha.test'",
    )
    .fetch_one(&t.owner)
    .await
    .unwrap();
    assert_eq!(role, "admin");
}
