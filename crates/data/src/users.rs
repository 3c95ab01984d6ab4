//! Sign-in lookups. They run as `redkey_human` before any client is chosen,
//! through functions (the users table is not reachable otherwise).

use std::net::IpAddr;

use uuid::Uuid;

use super::{Db, Result, Tx};
use redkey_types::Client;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuthUser {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
}

pub async fn by_email(db: &Db, email: &str) -> Result<Option<AuthUser>> {
    let mut tx = db.unscoped("redkey_human").await?;
    Ok(
        sqlx::query_as("SELECT id, email, display_name, password_hash FROM crm_auth_user($1)")
            .bind(email)
            .fetch_optional(tx.conn())
            .await?,
    )
}

pub async fn clients_of(db: &Db, user: Uuid) -> Result<Vec<Client>> {
    let mut tx = db.unscoped("redkey_human").await?;
    Ok(
        sqlx::query_as("SELECT id, slug, name FROM crm_user_clients($1) ORDER BY name")
            .bind(user)
            .fetch_all(tx.conn())
            .await?,
    )
}

/// The person's clients and their current client's open suggestions, in
/// one query: what the navigation shows on every page.
pub async fn navigation(tx: &mut Tx, user: Uuid) -> Result<(Vec<Client>, i64)> {
    let rows: Vec<(Uuid, String, String, i64)> = sqlx::query_as(
        "SELECT c.id, c.slug, c.name, \
                (SELECT count(*) FROM crm_suggestions WHERE status = 'open') \
         FROM crm_user_clients($1) c ORDER BY c.name",
    )
    .bind(user)
    .fetch_all(tx.conn())
    .await?;
    let open = rows.first().map(|r| r.3).unwrap_or(0);
    let clients = rows
        .into_iter()
        .map(|(id, slug, name, _)| Client { id, slug, name })
        .collect();
    Ok((clients, open))
}

/// Seconds `address` must wait before trying `email` again; 0 to go.
pub async fn sign_in_wait(db: &Db, email: &str, address: IpAddr) -> Result<i32> {
    let mut tx = db.unscoped("redkey_human").await?;
    Ok(sqlx::query_scalar("SELECT crm_sign_in_wait($1, $2::inet)")
        .bind(email)
        .bind(address.to_string())
        .fetch_one(tx.conn())
        .await?)
}

/// Records a failed sign-in, or forgives the address its failures on the
/// email after a success.
pub async fn sign_in_outcome(db: &Db, email: &str, address: IpAddr, ok: bool) -> Result<()> {
    let mut tx = db.unscoped("redkey_human").await?;
    let sql = if ok {
        "SELECT crm_sign_in_succeeded($1, $2::inet)"
    } else {
        "SELECT crm_sign_in_failed($1, $2::inet)"
    };
    sqlx::query(sql)
        .bind(email)
        .bind(address.to_string())
        .execute(tx.conn())
        .await?;
    tx.commit().await?;
    Ok(())
}
