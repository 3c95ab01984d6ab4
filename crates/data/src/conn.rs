//! The connection every data-layer query runs on, and the one switch that
//! makes the serving pool safe behind a transaction-mode pooler (Supabase's
//! port 6543, PgBouncer's `pool_mode = transaction`).
//!
//! Such a pooler hands a server connection to a client for one transaction
//! only. sqlx names each prepared statement per client connection
//! (`sqlx_s_1`, `sqlx_s_2`, …) and keeps it on the server: the next client
//! given that server either finds its own `sqlx_s_1` already taken (42P05)
//! or, after the pooler's `DEALLOCATE ALL`, finds a cached one gone
//! (26000). Turning the statement cache off is not enough: sqlx still names
//! every statement. Behind a pooler every query therefore runs as the
//! unnamed statement, inside the transaction that pins one server for its
//! Parse, Bind and Execute.

use futures_core::{future::BoxFuture, stream::BoxStream};
use sqlx::{
    postgres::{PgConnectOptions, PgQueryResult, PgRow, PgStatement, PgTypeInfo},
    Describe, Either, Execute, Executor, PgConnection, Postgres,
};

/// What stands between the serving pool and Postgres.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pooler {
    /// Each pooled connection is a server session of its own.
    #[default]
    None,
    /// A transaction-mode pooler: a server session lasts one transaction.
    Transaction,
}

impl Pooler {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" | "" => Some(Self::None),
            "transaction" => Some(Self::Transaction),
            _ => None,
        }
    }

    /// The connect options this pooler needs: no statement cache, and no
    /// `extra_float_digits` startup parameter (PgBouncer refuses unknown
    /// startup parameters; Postgres 12 and later print floats exactly
    /// without it).
    pub fn connect_options(self, options: PgConnectOptions) -> PgConnectOptions {
        match self {
            Self::None => options,
            Self::Transaction => options.statement_cache_capacity(0).extra_float_digits(None),
        }
    }

    /// Options for a pool of connections through this pooler. Behind a
    /// transaction-mode pooler each new connection learns the database's
    /// own types (the enums) once, in a transaction that then deallocates
    /// the statements sqlx names for that lookup: left on the server
    /// session, they would collide with another client's of the same name.
    pub fn pool_options(self) -> sqlx::postgres::PgPoolOptions {
        let options = crate::pool_options();
        match self {
            Self::None => options,
            Self::Transaction => options.after_connect(learn_types),
        }
    }

    /// Whether statements may be named (and so cached by sqlx).
    pub(crate) fn names_statements(self) -> bool {
        self == Self::None
    }

    /// Whether LISTEN can use the serving pool: a pooler would hand the
    /// listening session to others between transactions.
    pub fn can_listen(self) -> bool {
        self == Self::None
    }
}

/// Selects a NULL of every enum type (and its array) in the schema, so sqlx
/// looks each one up now, inside this transaction, and caches it for the
/// connection's life; then drops what the lookups prepared.
fn learn_types<'c>(
    conn: &'c mut PgConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> BoxFuture<'c, Result<(), sqlx::Error>> {
    use sqlx::Row;
    // Plain strings go by the simple protocol: nothing prepared. A failure
    // discards the connection, so no ROLLBACK is needed.
    Box::pin(async move {
        conn.execute("BEGIN").await?;
        let nulls: Option<String> = conn
            .fetch_one(
                "SELECT string_agg(format('NULL::%1$s, NULL::%1$s[]', t.oid::regtype), ', ') \
                 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
                 WHERE t.typtype = 'e' AND n.nspname = 'public'",
            )
            .await?
            .try_get(0)?;
        if let Some(nulls) = nulls {
            let select = format!("SELECT {nulls}");
            let described = sqlx::query(&select).persistent(false);
            conn.execute(described).await?;
            conn.execute("DEALLOCATE ALL").await?;
        }
        conn.execute("COMMIT").await?;
        Ok(())
    })
}

/// A transaction's connection as an executor: queries run as sqlx builds
/// them, or as the unnamed statement when `named` is off.
#[derive(Debug)]
pub struct Conn<'c> {
    inner: &'c mut PgConnection,
    named: bool,
}

impl<'c> Conn<'c> {
    pub(crate) fn new(inner: &'c mut PgConnection, named: bool) -> Self {
        Self { inner, named }
    }
}

/// A query with its `persistent` flag forced off when statements may not be
/// named.
struct Unnamed<E> {
    query: E,
    named: bool,
}

impl<'q, E: Execute<'q, Postgres>> Execute<'q, Postgres> for Unnamed<E> {
    fn sql(&self) -> &'q str {
        self.query.sql()
    }

    fn statement(&self) -> Option<&PgStatement<'q>> {
        self.query.statement()
    }

    fn take_arguments(
        &mut self,
    ) -> Result<Option<sqlx::postgres::PgArguments>, sqlx::error::BoxDynError> {
        self.query.take_arguments()
    }

    fn persistent(&self) -> bool {
        self.named && self.query.persistent()
    }
}

impl<'c> Executor<'c> for Conn<'c> {
    type Database = Postgres;

    fn fetch_many<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxStream<'e, Result<Either<PgQueryResult, PgRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let named = self.named;
        self.inner.fetch_many(Unnamed { query, named })
    }

    fn fetch_optional<'e, 'q: 'e, E>(
        self,
        query: E,
    ) -> BoxFuture<'e, Result<Option<PgRow>, sqlx::Error>>
    where
        'c: 'e,
        E: 'q + Execute<'q, Postgres>,
    {
        let named = self.named;
        self.inner.fetch_optional(Unnamed { query, named })
    }

    fn prepare_with<'e, 'q: 'e>(
        self,
        sql: &'q str,
        parameters: &'e [PgTypeInfo],
    ) -> BoxFuture<'e, Result<PgStatement<'q>, sqlx::Error>>
    where
        'c: 'e,
    {
        self.inner.prepare_with(sql, parameters)
    }

    fn describe<'e, 'q: 'e>(
        self,
        sql: &'q str,
    ) -> BoxFuture<'e, Result<Describe<Postgres>, sqlx::Error>>
    where
        'c: 'e,
    {
        self.inner.describe(sql)
    }
}
