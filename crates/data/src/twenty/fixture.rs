//! A Twenty workspace schema built to the pinned shape, for the tests and
//! `redkey bench-http --twenty`: the adapter's counterpart when no live
//! Twenty is at hand, with `twenty_app` standing for Twenty's own
//! connection.

use sqlx::PgPool;

use crate::Result;

const WORKSPACE: &str = include_str!("../../twenty/workspace_fixture.sql");

/// Creates workspace schema `schema` (and the `twenty_app` role, once per
/// server) as the owner credential; an existing schema is left as it is.
pub async fn create(owner: &PgPool, schema: &str) -> Result<()> {
    // Roles are server-wide and databases migrate side by side: one that
    // loses the race to create it finds it made.
    for attempt in 0.. {
        let made = sqlx::raw_sql(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'twenty_app') THEN
                 CREATE ROLE twenty_app NOLOGIN;
               END IF;
               EXECUTE format('GRANT twenty_app TO %I', current_user);
             END $$",
        )
        .execute(owner)
        .await;
        match made {
            Ok(_) => break,
            Err(_) if attempt < 5 => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
    let exists: Option<String> = sqlx::query_scalar("SELECT to_regnamespace($1)::text")
        .bind(schema)
        .fetch_one(owner)
        .await?;
    if exists.is_none() {
        let mut tx = owner.begin().await?;
        sqlx::raw_sql(&WORKSPACE.replace("{schema}", schema))
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(())
}
