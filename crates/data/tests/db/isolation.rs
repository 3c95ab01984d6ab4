//! Client isolation through the views, row security and the check option.

use redkey_data::{
    audit::{self, Kind},
    companies::CompanyField,
    contacts::{self, ContactField},
    deals::{self, DealField},
    DbError,
};
use redkey_testkit::TestDb;
use sqlx::Connection;

use crate::support::{board, new_contact};
use redkey_data::records;
use redkey_types::Contact;

#[tokio::test]
async fn clients_are_isolated_both_ways() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let in_a = new_contact(&t, a, human, "Ann").await;
    let in_b = new_contact(&t, b, human, "Ben").await;

    for (mine, theirs, client) in [(in_a, in_b, a), (in_b, in_a, b)] {
        let mut tx = t.tx(client, human).await;
        assert!(records::get::<Contact>(&mut tx, mine).await.is_ok());
        assert!(matches!(
            records::get::<Contact>(&mut tx, theirs).await,
            Err(DbError::NotFound)
        ));
        let page = contacts::page(&mut tx, &Default::default(), 100)
            .await
            .unwrap();
        assert_eq!(page.iter().map(|c| c.id).collect::<Vec<_>>(), vec![mine]);
        // A write aimed at the other client's row reads as "not found".
        let r = records::update(&mut tx, theirs, vec![ContactField::FirstName("X".into())]).await;
        assert!(matches!(r, Err(DbError::NotFound)), "{r:?}");
        let r = audit::archive(&mut tx, Kind::Contact, theirs).await;
        assert!(matches!(r, Err(DbError::NotFound)), "{r:?}");
    }
    let mut tx = t.tx(b, human).await;
    assert_eq!(
        records::get::<Contact>(&mut tx, in_b)
            .await
            .unwrap()
            .first_name,
        "Ben"
    );
}

#[tokio::test]
async fn without_a_client_every_view_is_empty() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    new_contact(&t, a, human, "Ann").await;
    let mut conn = t.serving.acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE redkey_human")
        .execute(&mut *tx)
        .await
        .unwrap();
    for view in [
        "crm_contacts",
        "crm_companies",
        "crm_deals",
        "crm_activities",
        "crm_pipeline",
        "crm_clients",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {view}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(n, 0, "{view} leaked rows with no client set");
    }
}

#[tokio::test]
async fn a_forgotten_set_role_reads_nothing() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    new_contact(&t, a, human, "Ann").await;
    let mut conn = t.serving.acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('redkey.client_id', $1, true)")
        .bind(a.0.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("SELECT * FROM crm_contacts")
        .fetch_all(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(err.as_database_error().unwrap().code().unwrap(), "42501");
}

#[tokio::test]
async fn serving_roles_have_no_privilege_on_layer_one_tables() {
    let t = TestDb::new().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations'",
    )
    .fetch_all(&t.owner)
    .await
    .unwrap();
    assert!(tables.len() >= 15, "{tables:?}");
    for role in ["redkey_human", "redkey_agent", "redkey_app"] {
        for table in &tables {
            for privilege in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
                let has: bool = sqlx::query_scalar("SELECT has_table_privilege($1, $2, $3)")
                    .bind(role)
                    .bind(format!("public.{table}"))
                    .bind(privilege)
                    .fetch_one(&t.owner)
                    .await
                    .unwrap();
                assert!(!has, "{role} has {privilege} on {table}");
                let any_column: bool =
                    sqlx::query_scalar("SELECT has_any_column_privilege($1, $2, $3)")
                        .bind(role)
                        .bind(format!("public.{table}"))
                        .bind(privilege)
                        .fetch_one(&t.owner)
                        .await
                        .unwrap_or(false);
                assert!(!any_column, "{role} has column {privilege} on {table}");
            }
        }
    }
    // And trying is refused by Postgres itself.
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let err = sqlx::query("SELECT * FROM people")
        .fetch_all(tx.conn())
        .await
        .unwrap_err();
    assert_eq!(err.as_database_error().unwrap().code().unwrap(), "42501");
}

#[tokio::test]
async fn the_views_check_option_holds_even_with_row_security_off() {
    let t = TestDb::new().await;
    let (a, b, _) = t.two_clients().await;
    // Defence in depth: switch off the first line (RLS) on this throwaway
    // database and show the view's own check option still refuses a row
    // aimed at another client.
    sqlx::query("ALTER TABLE people NO FORCE ROW LEVEL SECURITY")
        .execute(&t.owner)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE people DISABLE ROW LEVEL SECURITY")
        .execute(&t.owner)
        .await
        .unwrap();
    let mut tx = t.owner_tx(a).await;
    let err = sqlx::query("INSERT INTO crm_contacts (client_id, first_name) VALUES ($1, 'Eve')")
        .bind(b.0)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    let db_err = err.as_database_error().unwrap();
    assert_eq!(db_err.code().unwrap(), "44000", "{}", db_err.message());
    assert!(matches!(DbError::from(err), DbError::Invalid(_)));
}

#[tokio::test]
async fn row_security_alone_refuses_another_clients_row() {
    let t = TestDb::new().await;
    let (a, b, _) = t.two_clients().await;
    let mut tx = t.owner_tx(a).await;
    let err = sqlx::query("INSERT INTO people (workspace_id, name_first_name) VALUES ($1, 'Eve')")
        .bind(b.0)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(err.as_database_error().unwrap().code().unwrap(), "42501");
}

#[tokio::test]
async fn references_into_another_client_are_refused() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let mut tx = t.tx(b, human).await;
    let b_company = records::create(&mut tx, vec![CompanyField::Name("Beta Co".into())])
        .await
        .unwrap()
        .id;
    let (b_pipeline, b_stages, _) = board(&mut tx, 0).await;
    tx.commit().await.unwrap();

    let mut tx = t.tx(a, human).await;
    let r = records::create(
        &mut tx,
        vec![
            ContactField::FirstName("Ann".into()),
            ContactField::Company(Some(b_company)),
        ],
    )
    .await;
    assert!(
        matches!(&r, Err(DbError::Invalid(m)) if m == "company not found"),
        "{r:?}"
    );
    let mut tx = t.tx(a, human).await;
    let r = records::create(
        &mut tx,
        vec![
            DealField::Name("Steal".into()),
            DealField::Pipeline(b_pipeline),
            DealField::Stage(b_stages[0]),
        ],
    )
    .await;
    assert!(
        matches!(&r, Err(DbError::Invalid(m)) if m == "stage not found"),
        "{r:?}"
    );
    let mut tx = t.tx(a, human).await;
    let (_, _, a_deals) = board(&mut tx, 1).await;
    let r = deals::move_to(&mut tx, a_deals[0], b_stages[1], 0).await;
    assert!(matches!(r, Err(DbError::NotFound)), "{r:?}");
}

/// A transaction's opening dropped at any point (a request whose client
/// hung up) never hands its connection back inside a transaction block:
/// the next user of the connection would run inside it, as the role it set.
#[tokio::test]
async fn a_transaction_dropped_while_opening_leaves_no_transaction_behind() {
    use std::{future::Future, pin::pin, task::Poll};

    use sqlx::{Executor, Row};

    let t = TestDb::new().await;
    let (client, _, human) = t.two_clients().await;
    let options = (*t.serving.connect_options()).clone();
    // One connection, so every opening and every check share it.
    let pool = redkey_data::pool_options()
        .max_connections(1)
        .connect_with(options)
        .await
        .unwrap();
    let db = redkey_data::Db::connect(pool.clone()).await.unwrap();
    for polls in 0..24 {
        {
            let mut opening = pin!(db.begin(client, human));
            // Polled `polls + 1` times, the runtime's I/O turning between
            // polls, then dropped: early polls drop it with its BEGIN sent
            // and unanswered, later ones may see it finish.
            for _ in 0..=polls {
                let polled =
                    std::future::poll_fn(|cx| Poll::Ready(opening.as_mut().poll(cx))).await;
                if polled.is_ready() {
                    break;
                }
                tokio::task::yield_now().await;
            }
        }
        let mut conn = pool.acquire().await.unwrap();
        // A simple query: its transaction starts with it unless a block is open.
        let row = conn
            .fetch_one("SELECT current_user::text, now() = statement_timestamp()")
            .await
            .unwrap();
        let (user, idle): (String, bool) = (row.get(0), row.get(1));
        assert_eq!(user, "redkey_app", "after {polls} polls");
        assert!(idle, "inside an abandoned transaction after {polls} polls");
    }
}

/// A page read is scoped like any transaction, and keeps each statement's
/// plan (`Db::begin_page_read`); the setting ends with the transaction.
#[tokio::test]
async fn a_page_read_is_scoped_and_keeps_its_plans() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let in_a = new_contact(&t, a, human, "Ann").await;
    let in_b = new_contact(&t, b, human, "Ben").await;
    let mut read = t.db.begin_page_read(a, human).await.unwrap();
    assert!(records::get::<Contact>(&mut read, in_a).await.is_ok());
    assert!(matches!(
        records::get::<Contact>(&mut read, in_b).await,
        Err(DbError::NotFound)
    ));
    assert_eq!(plan_cache_mode(&mut read).await, "force_generic_plan");
    read.commit().await.unwrap();

    // Every other transaction plans as Postgres chooses, on whichever
    // pooled connection the page read had.
    for _ in 0..4 {
        let mut tx = t.tx(a, human).await;
        assert_eq!(plan_cache_mode(&mut tx).await, "auto");
        tx.rollback().await.unwrap();
    }
}

async fn plan_cache_mode(tx: &mut redkey_data::Tx) -> String {
    sqlx::query_scalar("SELECT current_setting('plan_cache_mode')")
        .fetch_one(tx.conn())
        .await
        .unwrap()
}
