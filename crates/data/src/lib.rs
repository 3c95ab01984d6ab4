//! The data layer: the only code that speaks SQL. It talks to the `crm_*`
//! views and functions (never the Twenty-shaped tables underneath) inside
//! transactions that first declare their client and role. Server-only: no
//! Leptos, no HTTP; the cockpit, the engine and the API all come through
//! here.

mod conditions;
mod conn;
mod error;
mod write;

pub mod activities;
pub mod admin;
pub mod agenda;
pub mod agent_calls;
pub mod api_library;
pub mod audit;
pub mod board;
pub mod calendar;
pub mod calendar_events;
pub mod companies;
pub mod contacts;
pub mod deals;
pub mod drafter;
pub mod engine;
pub mod enrichment;
pub mod erasure;
pub mod files;
pub mod import_lines;
pub mod imports;
pub mod instructions;
pub mod invitations;
pub mod lookup;
pub mod mail;
pub mod notes;
pub mod onboarding;
pub mod outbox;
pub mod password;
pub mod pipeline;
pub mod records;
pub mod saved_views;
pub mod search;
pub mod secrets;
pub mod sending;
pub mod sequences;
pub mod sessions;
pub mod settings;
pub mod sources;
pub mod strategic;
pub mod suggestions;
pub mod suppressions;
pub mod tables;
pub mod targets;
pub mod tasks;
pub mod timeline;
pub mod today;
pub mod todos;
pub mod tokens;
pub mod trash;
pub mod twenty;
pub mod usage;
pub mod users;

use std::{collections::HashMap, sync::Arc};

use sqlx::{PgPool, Postgres, Transaction};
use uuid::Uuid;

pub use conn::{Conn, Pooler};
pub use error::{DbError, FieldClass};
pub use write::Field;

use redkey_types::{Client, DbStatus, Member};

pub type Result<T, E = DbError> = std::result::Result<T, E>;

/// The client (Twenty workspace) a transaction is scoped to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientId(pub Uuid);

/// Who a transaction acts as; decides the Postgres role it runs under.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in person: `redkey_human`.
    User(Uuid),
    /// Arlo carrying out a stored human instruction: `redkey_human`, with
    /// the instruction recorded against every change it makes.
    OnBehalfOf(Uuid),
    /// Another agent relaying a person's instruction through its API token:
    /// `redkey_human` with neither a user nor an instruction, so it may
    /// store the instruction and queue the task that carries it out, while
    /// the database still refuses it any strategic change.
    Relay,
    /// Arlo's own operational work: `redkey_agent`.
    Agent,
}

impl Actor {
    pub fn role(self) -> &'static str {
        match self {
            Self::User(_) | Self::OnBehalfOf(_) | Self::Relay => "redkey_human",
            Self::Agent => "redkey_agent",
        }
    }

    /// The person and the instruction a transaction records.
    fn settings(self) -> (Option<Uuid>, Option<Uuid>) {
        match self {
            Self::User(u) => (Some(u), None),
            Self::OnBehalfOf(i) => (None, Some(i)),
            Self::Relay | Self::Agent => (None, None),
        }
    }

    fn may_write(self, class: FieldClass) -> bool {
        matches!(
            (self.role(), class),
            (_, FieldClass::Identity)
                | ("redkey_human", FieldClass::Strategic)
                | ("redkey_agent", FieldClass::Operational)
        )
    }
}

/// Options for every pool. A connection is not pinged before it is lent:
/// that was a round trip before every transaction, and sqlx already pings
/// each connection as it comes back, closing a broken one. Nor is it
/// checked for a transaction left open: the serving pool's transactions
/// open through `begin_whole`, which never leaves one behind.
pub fn pool_options() -> sqlx::postgres::PgPoolOptions {
    sqlx::postgres::PgPoolOptions::new().test_before_acquire(false)
}

/// Opens a transaction with `begin` (one simple-query string that starts
/// with `BEGIN`) on a task of its own.
///
/// A caller dropped while its `BEGIN` is in flight (a request whose client
/// hung up, a timeout) would otherwise hand the connection back inside a
/// transaction block sqlx has not counted yet, so it queues no rollback and
/// the next user of the connection runs inside that transaction, as the
/// role it set (seen in the browser tests: the session store refused, then
/// every later statement on the connection failed as aborted). On its own
/// task the `BEGIN` always completes, and a transaction nobody takes rolls
/// back as it drops. A spawn costs far less than checking every connection
/// as it comes back, which took a round trip per transaction.
pub(crate) async fn begin_whole(
    pool: &PgPool,
    begin: String,
) -> Result<Transaction<'static, Postgres>> {
    let pool = pool.clone();
    tokio::spawn(async move { pool.begin_with(begin).await })
        .await
        .map_err(|_| DbError::Sql(sqlx::Error::WorkerCrashed))?
        .map_err(DbError::from)
}

/// A handle on the serving pool (the NOINHERIT login role) and the column
/// policy, read once so refusals can name the field's class.
#[derive(Clone, Debug)]
pub struct Db {
    pool: PgPool,
    pooler: Pooler,
    policy: Arc<HashMap<(String, String), FieldClass>>,
}

impl Db {
    /// The data layer over a pool of direct server sessions.
    pub async fn connect(pool: PgPool) -> Result<Self> {
        Self::connect_through(pool, Pooler::None).await
    }

    /// The data layer over a pool whose connections pass through `pooler`
    /// (made with [`Pooler::connect_options`]).
    pub async fn connect_through(pool: PgPool, pooler: Pooler) -> Result<Self> {
        let mut db = Self {
            pool,
            pooler,
            policy: Arc::default(),
        };
        let mut tx = db.unscoped("redkey_agent").await?;
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT view_name, column_name, class FROM crm_column_policy")
                .fetch_all(tx.conn())
                .await?;
        tx.commit().await?;
        let policy = rows
            .into_iter()
            .filter_map(|(v, c, class)| Some(((v, c), FieldClass::parse(&class)?)))
            .collect();
        db.policy = Arc::new(policy);
        Ok(db)
    }

    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    pub fn pooler(&self) -> Pooler {
        self.pooler
    }

    /// A transaction as `role` with no client chosen: for the lookups that
    /// come before one (sign-in, API tokens) and the engine's cross-client
    /// work. `role` is always a literal from this module.
    pub(crate) async fn unscoped(&self, role: &'static str) -> Result<Unscoped> {
        // BEGIN and the role in one round trip (one simple-query string).
        let inner = begin_whole(&self.pool, format!("BEGIN; SET LOCAL ROLE {role}")).await?;
        Ok(Unscoped {
            inner,
            named: self.pooler.names_statements(),
        })
    }

    /// A transaction as the serving login itself, with none of the roles it
    /// may take: what only the login is granted (the migrations table, the
    /// session store).
    pub(crate) async fn as_login(&self) -> Result<Unscoped> {
        Ok(Unscoped {
            inner: begin_whole(&self.pool, "BEGIN".into()).await?,
            named: self.pooler.names_statements(),
        })
    }

    /// Opens a transaction as `actor` for `client`: SET LOCAL ROLE plus the
    /// transaction-local settings the views, policies and audit read.
    pub async fn begin(&self, client: ClientId, actor: Actor) -> Result<Tx> {
        self.begin_as("BEGIN", client, actor, false).await
    }

    /// A transaction that reads one page of the cockpit: as `begin`, with
    /// each statement's plan kept instead of planned anew on each run.
    ///
    /// A statement sqlx has prepared is planned for its parameters on every
    /// run while Postgres judges that cheaper than one plan for all. For the
    /// page queries over the views and their row-level security, planning
    /// cost more than running: Today's 16 statements took 6.8 ms, 4.5 ms of
    /// it planning, and 2.9 ms with their plans kept (BENCHMARKS.md,
    /// session 43).
    pub async fn begin_page_read(&self, client: ClientId, actor: Actor) -> Result<Tx> {
        self.begin_as("BEGIN", client, actor, true).await
    }

    /// A read-only transaction whose every read sees one moment (an export
    /// of many views that must agree with each other).
    pub async fn begin_snapshot(&self, client: ClientId, actor: Actor) -> Result<Tx> {
        self.begin_as(
            "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
            client,
            actor,
            false,
        )
        .await
    }

    async fn begin_as(
        &self,
        begin: &str,
        client: ClientId,
        actor: Actor,
        generic_plans: bool,
    ) -> Result<Tx> {
        let (user, on_behalf_of) = actor.settings();
        let plans = if generic_plans {
            "set_config('plan_cache_mode', 'force_generic_plan', true), "
        } else {
            ""
        };
        let text = |id: Option<Uuid>| id.map(|u| u.to_string()).unwrap_or_default();
        // BEGIN, the scope, the role and the schemas (the Twenty adapter's
        // views first for an attached client) in one round trip: one
        // simple-query string, so the values are literals. Each is a formatted Uuid (hex
        // and dashes) or a role name from a closed enum, never input.
        let tx = begin_whole(
            &self.pool,
            format!(
                "{begin}; SELECT set_config('redkey.client_id', '{}', true), \
                        set_config('redkey.user_id', '{}', true), \
                        set_config('redkey.on_behalf_of', '{}', true), \
                        set_config('role', '{}', true), \
                        {plans}set_config('search_path', redkey_search_path(), true)",
                client.0,
                text(user),
                text(on_behalf_of),
                actor.role()
            ),
        )
        .await?;
        Ok(Tx {
            inner: tx,
            named: self.pooler.names_statements(),
            actor,
            client,
            policy: self.policy.clone(),
        })
    }
}

/// A transaction as a role with no client chosen.
pub(crate) struct Unscoped {
    inner: Transaction<'static, Postgres>,
    named: bool,
}

impl Unscoped {
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        Conn::new(&mut self.inner, self.named)
    }

    pub(crate) async fn commit(self) -> Result<()> {
        self.inner.commit().await.map_err(DbError::from)
    }

    pub(crate) async fn rollback(self) -> Result<()> {
        self.inner.rollback().await.map_err(DbError::from)
    }
}

/// A transaction scoped to one client and one actor.
pub struct Tx {
    inner: Transaction<'static, Postgres>,
    named: bool,
    actor: Actor,
    client: ClientId,
    policy: Arc<HashMap<(String, String), FieldClass>>,
}

impl Tx {
    pub fn conn(&mut self) -> Conn<'_> {
        Conn::new(&mut self.inner, self.named)
    }

    /// The bare connection, for what `conn` cannot carry: COPY, which
    /// prepares nothing, and statements marked `.persistent(false)`.
    pub fn bare(&mut self) -> &mut sqlx::PgConnection {
        &mut self.inner
    }

    pub fn actor(&self) -> Actor {
        self.actor
    }

    pub fn client(&self) -> ClientId {
        self.client
    }

    pub async fn commit(self) -> Result<()> {
        self.inner.commit().await.map_err(DbError::from)
    }

    /// From here on the transaction acts as `actor` (its role and the
    /// person or instruction the audit records): an import writes the
    /// operational columns of a file as arlo, within the person's
    /// transaction. Undone with the savepoint it was made under.
    pub async fn act_as(&mut self, actor: Actor) -> Result<()> {
        let (user, on_behalf_of) = actor.settings();
        let text = |id: Option<Uuid>| id.map(|u| u.to_string()).unwrap_or_default();
        sqlx::query(
            "SELECT set_config('redkey.user_id', $1, true), \
                    set_config('redkey.on_behalf_of', $2, true), set_config('role', $3, true)",
        )
        .bind(text(user))
        .bind(text(on_behalf_of))
        .bind(actor.role())
        .execute(self.conn())
        .await?;
        self.actor = actor;
        Ok(())
    }

    /// Undoes the transaction now (dropping it would, too, but later).
    pub async fn rollback(self) -> Result<()> {
        self.inner.rollback().await.map_err(DbError::from)
    }

    /// Explains a 42501 on a write of `columns` to `view` by naming the
    /// first column the actor's role may not write.
    fn explain_refusal(&self, view: &'static str, columns: &[&str], err: DbError) -> DbError {
        if !matches!(err, DbError::Forbidden(_)) {
            return err;
        }
        columns
            .iter()
            .find_map(|c| {
                let class = *self.policy.get(&(view.to_string(), c.to_string()))?;
                (!self.actor.may_write(class)).then(|| DbError::FieldForbidden {
                    view,
                    column: c.to_string(),
                    class,
                })
            })
            .unwrap_or(err)
    }
}

/// The current client's own record.
pub async fn current_client(tx: &mut Tx) -> Result<Client> {
    sqlx::query_as("SELECT id, slug, name FROM crm_clients")
        .fetch_optional(tx.conn())
        .await?
        .ok_or(DbError::NotFound)
}

pub async fn members(tx: &mut Tx) -> Result<Vec<Member>> {
    Ok(sqlx::query_as(
        "SELECT id, first_name, last_name, email, user_id FROM crm_members \
         ORDER BY first_name, last_name",
    )
    .fetch_all(tx.conn())
    .await?)
}

/// Members as (id, display name) for owner selects.
pub async fn member_choices(tx: &mut Tx) -> Result<Vec<(Uuid, String)>> {
    Ok(member_choices_and_me(tx).await?.0)
}

/// Members as (id, display name), and the transaction's person's own
/// member id among them: the one read a to-do list needs for both.
pub async fn member_choices_and_me(tx: &mut Tx) -> Result<(Vec<(Uuid, String)>, Option<Uuid>)> {
    let (user, _) = tx.actor.settings();
    let members = members(tx).await?;
    let me = members
        .iter()
        .find(|m| m.user_id.is_some() && m.user_id == user)
        .map(|m| m.id);
    let choices = members
        .into_iter()
        .map(|m| {
            let name = format!("{} {}", m.first_name, m.last_name);
            (m.id, name.trim().to_string())
        })
        .collect();
    Ok((choices, me))
}

/// Stores a human instruction for arlo to carry out later.
pub async fn store_instruction(tx: &mut Tx, given_by: &str, instruction: &str) -> Result<Uuid> {
    let r = sqlx::query_scalar(
        "INSERT INTO crm_instructions (given_by, instruction) VALUES ($1, $2) RETURNING id",
    )
    .bind(given_by)
    .bind(instruction)
    .fetch_one(tx.conn())
    .await;
    r.map_err(|e| tx.explain_refusal("crm_instructions", &["given_by", "instruction"], e.into()))
}

/// Server version and the newest applied migration (no client needed).
pub async fn status(db: &Db) -> Result<DbStatus> {
    let mut tx = db.as_login().await?;
    let (server_version, schema_version): (String, Option<i64>) = sqlx::query_as(
        "SELECT current_setting('server_version'), \
                (SELECT max(version) FROM _sqlx_migrations WHERE success)",
    )
    .fetch_one(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(DbStatus {
        server_version,
        schema_version: schema_version.unwrap_or(0),
    })
}
