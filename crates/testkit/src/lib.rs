//! Test harness: a fresh database per test on `DATABASE_URL`'s server,
//! migrated, with the serving pool and the data layer ready, dropped again
//! when the test ends. Shared by the data crate's tests and the server's.
//!
//! `REDKEY_TEST_OWNER=platform` migrates and administers each database as
//! the owner credential a hosted Postgres hands out (Supabase's
//! `postgres`: CREATEROLE, CREATEDB, BYPASSRLS, not a superuser), created
//! by the harness; otherwise as `DATABASE_URL`'s superuser.
//!
//! `REDKEY_TEST_POOLER=transaction` puts PgBouncer in transaction mode
//! between the serving pool and the server (Supabase's port 6543), and the
//! data layer in its pooler mode.

mod pgbouncer;

use std::str::FromStr;

pub use pgbouncer::PgBouncer;
use redkey_data::{admin, Actor, ClientId, Db, Pooler, Tx};
use redkey_types::EmailAddress;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    Connection, PgConnection, PgPool,
};
use uuid::Uuid;

/// The login the harness creates to stand for a hosted platform's owner.
pub const PLATFORM_OWNER: &str = "redkey_test_platform";

/// Whether this run administers as the platform owner, not a superuser.
pub fn platform_owner() -> bool {
    std::env::var("REDKEY_TEST_OWNER").is_ok_and(|v| v == "platform")
}

/// Whether every client a test makes runs over a Twenty workspace of its
/// own (`REDKEY_TEST_TWENTY=1`): the contract suite over the adapter.
pub fn over_twenty() -> bool {
    std::env::var("REDKEY_TEST_TWENTY").is_ok_and(|v| v == "1")
}

/// The pooler this run puts in front of the serving pool.
pub fn pooler() -> Pooler {
    match std::env::var("REDKEY_TEST_POOLER") {
        Ok(v) => Pooler::parse(&v).expect("REDKEY_TEST_POOLER is none or transaction"),
        Err(_) => Pooler::None,
    }
}

pub struct TestDb {
    pub name: String,
    /// The owner credential: administration and probes. A superuser, or
    /// the platform owner under `REDKEY_TEST_OWNER=platform`.
    pub owner: PgPool,
    /// The NOINHERIT serving login, exactly as the server uses it.
    pub serving: PgPool,
    pub db: Db,
    /// The transaction-mode pooler the serving pool passes through, under
    /// `REDKEY_TEST_POOLER=transaction`.
    pub bouncer: Option<PgBouncer>,
    base: PgConnectOptions,
    /// Whether the database has every migration (a prefix predates the
    /// Twenty adapter's hooks, so its clients stay native).
    complete: bool,
}

pub fn base_options() -> PgConnectOptions {
    let url = std::env::var("DATABASE_URL")
        .expect("DATABASE_URL must name a Postgres server; scripts/test.sh provides one");
    PgConnectOptions::from_str(&url).expect("DATABASE_URL parses")
}

impl TestDb {
    pub async fn new() -> Self {
        Self::with_migrator(&admin::MIGRATOR).await
    }

    /// A fresh database migrated by `migrator` (tests may pass a prefix of
    /// the real migrations).
    pub async fn with_migrator(migrator: &sqlx::migrate::Migrator) -> Self {
        let base = base_options();
        let admin_base = admin_options(&base).await;
        let mut maint = PgConnection::connect_with(&admin_base.clone().database("postgres"))
            .await
            .expect("connect to the maintenance database");
        admin::ensure_roles(&mut maint).await.expect("roles");
        let name = format!("redkey_test_{}", Uuid::new_v4().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut maint)
            .await
            .expect("create test database");
        maint.close().await.ok();
        let owner = PgPoolOptions::new()
            .max_connections(4)
            .connect_with(admin_base.database(&name))
            .await
            .expect("owner pool");
        migrator.run(&owner).await.expect("migrations");
        let pooler = pooler();
        let bouncer = match pooler {
            Pooler::None => None,
            Pooler::Transaction => Some(PgBouncer::start(&base, &["redkey_app"]).await),
        };
        let serving_options = base
            .clone()
            .database(&name)
            .username("redkey_app")
            .password("");
        let serving_options = match &bouncer {
            Some(b) => b.in_front(serving_options),
            None => serving_options,
        };
        let serving = pooler
            .pool_options()
            .max_connections(8)
            .connect_with(pooler.connect_options(serving_options))
            .await
            .expect("serving pool");
        let db = Db::connect_through(serving.clone(), pooler)
            .await
            .expect("data layer");
        Self {
            name,
            owner,
            serving,
            db,
            bouncer,
            base,
            complete: std::ptr::eq(migrator, &admin::MIGRATOR),
        }
    }

    pub async fn client(&self, slug: &str) -> ClientId {
        let id = ClientId(
            admin::create_client(&self.owner, slug, &format!("Client {slug}"))
                .await
                .unwrap(),
        );
        if over_twenty() && self.complete {
            let schema = format!("workspace_{}", slug.replace('-', "_"));
            self.twenty_workspace(&schema).await;
            redkey_data::twenty::attach(&self.owner, &schema, slug)
                .await
                .expect("attach the client's Twenty workspace");
        }
        id
    }

    /// A cockpit user belonging to `clients`, as their admin.
    pub async fn user(&self, email: &str, clients: &[&str]) -> Uuid {
        self.user_as(email, clients, true).await
    }

    /// A user who is a member, not an admin, of these clients.
    pub async fn member(&self, email: &str, clients: &[&str]) -> Uuid {
        self.user_as(email, clients, false).await
    }

    async fn user_as(&self, email: &str, clients: &[&str], admin: bool) -> Uuid {
        let email = EmailAddress::parse(email).unwrap();
        let clients: Vec<String> = clients.iter().map(|s| s.to_string()).collect();
        admin::upsert_user(
            &self.owner,
            &email,
            "Test User",
            "a long test password",
            &clients,
            admin,
        )
        .await
        .unwrap()
    }

    /// Two clients and one user in both: the usual starting point.
    pub async fn two_clients(&self) -> (ClientId, ClientId, Actor) {
        let a = self.client("alpha").await;
        let b = self.client("beta").await;
        let user = self.user("owner@alpha.test", &["alpha", "beta"]).await;
        (a, b, Actor::User(user))
    }

    /// A data-layer transaction for `client` as `actor`.
    pub async fn tx(&self, client: ClientId, actor: Actor) -> Tx {
        self.db.begin(client, actor).await.expect("begin")
    }

    /// A transaction as `redkey_owner` (the views' owner, which forced row
    /// security still binds) scoped to `client`: for probing the database's
    /// own defences below the data layer.
    pub async fn owner_tx(&self, client: ClientId) -> sqlx::Transaction<'static, sqlx::Postgres> {
        admin::owner_scoped(&self.owner, client.0, "BEGIN")
            .await
            .expect("an owner transaction scoped to the client")
    }

    /// Every table of `schemas` with rows whose text is like any of
    /// `patterns` (lowercase `LIKE` patterns), and how many rows: where a
    /// person's traces are after an erasure.
    pub async fn rows_like(&self, schemas: &[&str], patterns: &[String]) -> Vec<(String, i64)> {
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = ANY ($1) AND c.relkind = 'r' ORDER BY 1",
        )
        .bind(schemas)
        .fetch_all(&self.owner)
        .await
        .expect("the tables");
        let mut found = Vec::new();
        for table in tables {
            let n: i64 = sqlx::query_scalar(&format!(
                "SELECT count(*) FROM {table} t WHERE lower(t::text) LIKE ANY ($1)"
            ))
            .bind(patterns)
            .fetch_one(&self.owner)
            .await
            .expect("a count");
            if n > 0 {
                found.push((table, n));
            }
        }
        found
    }

    /// A Twenty workspace schema named `schema`, built to Twenty's shape,
    /// its tables open to `twenty_app` (Twenty's own connection, which
    /// tests take with `SET ROLE twenty_app`).
    pub async fn twenty_workspace(&self, schema: &str) {
        redkey_data::twenty::fixture::create(&self.owner, schema)
            .await
            .expect("the Twenty workspace fixture");
    }

    /// The owner credential's URL for this database.
    pub fn url(&self) -> String {
        owner_url(&self.base, &self.name)
    }

    /// The serving login's URL for this database, through the pooler when
    /// this run has one.
    pub fn serving_url(&self) -> String {
        match &self.bouncer {
            Some(b) => format!("postgres://redkey_app@127.0.0.1:{}/{}", b.port, self.name),
            None => self.direct_serving_url(),
        }
    }

    /// The serving login's URL for this database, never through a pooler.
    pub fn direct_serving_url(&self) -> String {
        format!(
            "postgres://redkey_app@{}:{}/{}",
            self.base.get_host(),
            self.base.get_port(),
            self.name
        )
    }
}

/// An empty database (no schema) on `DATABASE_URL`'s server, dropped when
/// the test ends: a restore's target.
pub struct EmptyDb {
    pub name: String,
    base: PgConnectOptions,
}

impl EmptyDb {
    pub async fn new() -> Self {
        let base = base_options();
        let admin_base = admin_options(&base).await;
        let name = format!("redkey_test_{}", Uuid::new_v4().simple());
        let mut maint = PgConnection::connect_with(&admin_base.database("postgres"))
            .await
            .expect("connect to the maintenance database");
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut maint)
            .await
            .expect("create the empty database");
        Self { name, base }
    }

    /// The owner's URL for it: the superuser's, or the platform owner's
    /// under `REDKEY_TEST_OWNER=platform` (a restore as Supabase's owner).
    pub fn url(&self) -> String {
        owner_url(&self.base, &self.name)
    }
}

/// The URL a test's administration uses for database `name`: the
/// superuser's, or the platform owner's under `REDKEY_TEST_OWNER=platform`.
fn owner_url(base: &PgConnectOptions, name: &str) -> String {
    let user = if platform_owner() {
        PLATFORM_OWNER
    } else {
        base.get_username()
    };
    format!(
        "postgres://{user}@{}:{}/{name}",
        base.get_host(),
        base.get_port()
    )
}

impl Drop for EmptyDb {
    fn drop(&mut self) {
        drop_database(self.base.clone(), self.name.clone());
    }
}

/// Who administers: the superuser, or the platform owner (created here
/// once) under `REDKEY_TEST_OWNER=platform`.
async fn admin_options(base: &PgConnectOptions) -> PgConnectOptions {
    if platform_owner() {
        ensure_platform_owner(base).await;
        base.clone().username(PLATFORM_OWNER).password("")
    } else {
        base.clone()
    }
}

/// Creates the platform owner login once per server: what Supabase gives
/// a project's owner, and no more.
async fn ensure_platform_owner(base: &PgConnectOptions) {
    let mut su = PgConnection::connect_with(&base.clone().database("postgres"))
        .await
        .expect("connect as the superuser");
    let mut tx = su.begin().await.expect("begin");
    sqlx::query("SELECT pg_advisory_xact_lock(7201866)")
        .execute(&mut *tx)
        .await
        .expect("lock");
    sqlx::query(&format!(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{PLATFORM_OWNER}') THEN
             CREATE ROLE {PLATFORM_OWNER} LOGIN CREATEROLE CREATEDB BYPASSRLS NOSUPERUSER;
           END IF;
         END $$"
    ))
    .execute(&mut *tx)
    .await
    .expect("create the platform owner");
    tx.commit().await.expect("commit");
}

impl Drop for TestDb {
    fn drop(&mut self) {
        drop_database(self.base.clone(), self.name.clone());
    }
}

fn drop_database(base: PgConnectOptions, name: String) {
    // Drop runs outside async: a short-lived runtime on its own thread.
    let _ = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            if let Ok(mut c) = PgConnection::connect_with(&base.database("postgres")).await {
                let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut c)
                    .await;
            }
        });
    })
    .join();
}
