//! The Twenty adapter over a workspace schema built to Twenty's shape,
//! one module per area; the helpers they share.

mod arlo;
mod audit;
mod contract;
mod erasure;
mod files;
mod records;
mod search;
mod timeline;
mod totals;
mod upgrade;

use redkey_data::{twenty, Actor, ClientId};
use redkey_testkit::TestDb;

/// A database with client `a` attached to workspace schema `workspace_a`.
pub(super) async fn attached() -> (TestDb, ClientId, Actor) {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    t.twenty_workspace("workspace_a").await;
    let report = twenty::attach(&t.owner, "workspace_a", "alpha")
        .await
        .unwrap();
    assert_eq!(report.missing, Vec::<String>::new());
    assert_eq!(report.unmapped, Vec::<String>::new());
    (t, a, human)
}

/// Runs `sql` as Twenty's own connection would.
pub(super) async fn as_twenty(t: &TestDb, sql: &str) -> Vec<sqlx::postgres::PgRow> {
    let mut tx = t.owner.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE twenty_app")
        .execute(&mut *tx)
        .await
        .unwrap();
    let rows = sqlx::raw_sql(sql).fetch_all(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
    rows
}

pub(super) async fn stage_totals(
    t: &TestDb,
    client: ClientId,
    actor: Actor,
) -> Vec<(String, i64, i64)> {
    let mut tx = t.tx(client, actor).await;
    let rows = sqlx::query_as(
        "SELECT stage_name, deal_count, amount_units FROM crm_pipeline ORDER BY stage_position",
    )
    .fetch_all(tx.conn())
    .await
    .unwrap();
    tx.commit().await.unwrap();
    rows
}
