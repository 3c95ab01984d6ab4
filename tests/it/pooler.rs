//! Behind a transaction-mode pooler (Supabase's port 6543): the cockpit,
//! its sessions and the queue leave nothing on the server sessions they
//! share, and the settings a pooler needs are the ones that make it work.

use redkey::{config::Settings, engine::Engine};
use redkey_data::{
    tasks::{self, NewTask},
    Actor, Db, Pooler,
};
use redkey_testkit::{PgBouncer, TestDb};
use serde_json::json;
use sqlx::{postgres::PgConnectOptions, PgPool};

use crate::helpers::{
    spawn_app_on,
    visitor::{contact, deal, every_page, Visitor},
};

/// The serving login for `t`'s database.
fn serving_login(t: &TestDb) -> PgConnectOptions {
    redkey_testkit::base_options()
        .database(&t.name)
        .username("redkey_app")
        .password("")
}

/// The serving login for `t`'s database through `bouncer`.
fn through(t: &TestDb, bouncer: &PgBouncer) -> PgConnectOptions {
    bouncer.in_front(serving_login(t))
}

async fn pool(options: PgConnectOptions, pooler: Pooler, max: u32) -> PgPool {
    pooler
        .pool_options()
        .max_connections(max)
        .connect_with(pooler.connect_options(options))
        .await
        .unwrap()
}

/// The prepared statements left on the pooler's one server session, read
/// there as an unnamed statement inside a transaction.
async fn left_on_the_server(pool: &PgPool) -> Vec<String> {
    let mut tx = pool.begin().await.unwrap();
    let names = sqlx::query_scalar("SELECT name FROM pg_prepared_statements ORDER BY name")
        .persistent(false)
        .fetch_all(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_sign_in_and_the_queue_leave_no_named_statement_on_a_shared_session() {
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let person = contact(&t, alpha, human, "Ann").await;
    let d = deal(&t, alpha, human, "Big deal", vec![]).await;
    let bouncer = PgBouncer::one_session(&redkey_testkit::base_options(), &["redkey_app"]).await;
    let pooled = pool(through(&t, &bouncer), Pooler::Transaction, 4).await;
    let db = Db::connect_through(pooled.clone(), Pooler::Transaction)
        .await
        .unwrap();

    let addr = spawn_app_on(db.clone(), &Settings::from_pairs(&[]).unwrap()).await;
    let me = Visitor::sign_in(addr, "owner@alpha.test").await;
    for path in every_page(person.id, d.id) {
        let page = me.get(&path).await;
        assert!(page.status().is_success(), "{path}: {}", page.status());
        assert!(page.text().await.unwrap().contains("<main"), "{path}");
    }
    let id = person.id.to_string();
    let noted = me
        .post_form(
            "add_note",
            &format!("/contacts/{id}"),
            &[
                ("kind", "contact"),
                ("id", &id),
                ("body", "Met at the fair"),
            ],
        )
        .await;
    assert!(noted.status().is_redirection(), "{}", noted.status());
    let mut tx = t.tx(alpha, human).await;
    let notes: i64 = sqlx::query_scalar("SELECT count(*) FROM crm_notes")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    assert_eq!(notes, 1, "the note was kept");
    drop(tx);

    let mut tx = db.begin(alpha, Actor::Agent).await.unwrap();
    let task = NewTask::new(
        "roles.crm",
        "engine.echo",
        json!({"reply": "pong"}),
        "agent:test".into(),
    );
    let id = tasks::enqueue(&mut tx, &task).await.unwrap().task().id;
    tx.commit().await.unwrap();
    let engine = Engine::new(db.clone(), Settings::from_pairs(&[]).unwrap().engine, None).unwrap();
    let ran = engine.run_one().await.unwrap().expect("the task was due");
    assert_eq!(ran.task, id);
    assert!(ran.recorded);

    assert_eq!(left_on_the_server(&pooled).await, Vec::<String>::new());
}

#[tokio::test]
async fn turning_the_statement_cache_off_alone_leaves_statements_behind() {
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let bouncer = PgBouncer::one_session(&redkey_testkit::base_options(), &["redkey_app"]).await;
    let options = Pooler::Transaction.connect_options(through(&t, &bouncer));
    // What the pooler needs on the wire, but statements still named; one
    // client, so they are left rather than collide.
    let named = pool(options, Pooler::None, 1).await;
    let db = Db::connect_through(named.clone(), Pooler::None)
        .await
        .unwrap();
    let mut tx = db.begin(alpha, human).await.unwrap();
    redkey_data::current_client(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    assert!(
        !left_on_the_server(&named).await.is_empty(),
        "sqlx names every statement it prepares, cached or not"
    );
}

#[tokio::test]
async fn the_pooler_refuses_sqlx_default_startup_parameters_and_accepts_ours() {
    let t = TestDb::new().await;
    let bouncer = PgBouncer::start(&redkey_testkit::base_options(), &["redkey_app"]).await;
    let refused = redkey_data::pool_options()
        .max_connections(1)
        .connect_with(through(&t, &bouncer))
        .await
        .expect_err("PgBouncer refuses extra_float_digits");
    assert!(
        refused
            .to_string()
            .contains("unsupported startup parameter"),
        "{refused}"
    );
    let pooled = pool(through(&t, &bouncer), Pooler::Transaction, 4).await;
    let db = Db::connect_through(pooled, Pooler::Transaction)
        .await
        .unwrap();
    assert!(redkey_data::status(&db).await.unwrap().schema_version > 0);
}

#[tokio::test]
async fn a_cached_statement_is_gone_once_the_pooler_resets_its_session() {
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let bouncer = PgBouncer::start(&redkey_testkit::base_options(), &["redkey_app"]).await;
    let options = through(&t, &bouncer).extra_float_digits(None);
    // sqlx's defaults otherwise: a statement cache, named statements; one
    // connection, so the second transaction finds its cache warm.
    let cached = pool(options, Pooler::None, 1).await;
    let db = Db::connect_through(cached, Pooler::None).await.unwrap();
    let mut failed = None;
    for _ in 0..4 {
        let mut tx = db.begin(alpha, human).await.unwrap();
        if let Err(e) = redkey_data::current_client(&mut tx).await {
            failed = Some(e.to_string());
            break;
        }
        tx.commit().await.unwrap();
    }
    let failed = failed.expect("a cached statement outlived its server session");
    assert!(failed.contains("does not exist"), "{failed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_no_direct_connection_the_engine_polls_through_the_pooler() {
    let t = TestDb::new().await;
    let (alpha, _, _) = t.two_clients().await;
    let bouncer = PgBouncer::start(&redkey_testkit::base_options(), &["redkey_app"]).await;
    let pooled = pool(through(&t, &bouncer), Pooler::Transaction, 4).await;
    let db = Db::connect_through(pooled, Pooler::Transaction)
        .await
        .unwrap();
    let settings = Settings::from_pairs(&[("REDKEY_POLL_MS", "200"), ("REDKEY_TIMERS", "off")])
        .unwrap()
        .engine;
    let engine = Engine::new(db.clone(), settings, None).unwrap();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let running = tokio::spawn(engine.run(stopped, std::time::Duration::from_secs(1)));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let mut tx = db.begin(alpha, Actor::Agent).await.unwrap();
    let task = NewTask::new(
        "roles.crm",
        "engine.echo",
        json!({"reply": "polled"}),
        "agent:test".into(),
    );
    let id = tasks::enqueue(&mut tx, &task).await.unwrap().task().id;
    tx.commit().await.unwrap();
    let started = std::time::Instant::now();
    loop {
        let mut tx = db.begin(alpha, Actor::Agent).await.unwrap();
        let done = tasks::get(&mut tx, id).await.unwrap();
        drop(tx);
        if done.status == redkey_types::TaskStatus::Succeeded {
            assert_eq!(done.result.unwrap()["reply"], "polled");
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "never polled"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    stop.send(true).unwrap();
    running.await.unwrap();
}

/// A render holds at most one connection at a time: with a pool of one,
/// every page (Today records the visit in a transaction of its own beside
/// the page's shared read) renders instead of waiting on itself until the
/// pool gives up and the page shows an error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_renders_on_a_pool_of_one_connection() {
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let person = contact(&t, alpha, human, "Ann").await;
    let d = deal(&t, alpha, human, "Big deal", vec![]).await;
    let one = pool(serving_login(&t), Pooler::None, 1).await;
    let db = Db::connect_through(one, Pooler::None).await.unwrap();
    let addr = spawn_app_on(db, &Settings::from_pairs(&[]).unwrap()).await;
    let me = Visitor::sign_in(addr, "owner@alpha.test").await;
    let internal = app::model::AppError::Internal.to_string();
    for _ in 0..3 {
        for path in every_page(person.id, d.id) {
            let page = me.get(&path).await;
            assert!(page.status().is_success(), "{path}: {}", page.status());
            let body = page.text().await.unwrap();
            assert!(body.contains("<main"), "{path}");
            // A pool that gave up shows as an error note in a 200 page.
            assert!(!body.contains(&internal), "{path}");
        }
    }
}
