//! Invitations: an admin invites an email with a role; the one-time link's
//! token is stored only as its SHA-256. Looking one up and accepting it
//! happen before any session (no client chosen yet).

use uuid::Uuid;

use super::{tokens::hash, Db, DbError, Result, Tx};
use redkey_types::{Invitation, InvitationInfo, Role};

/// Days an invitation link stays open.
pub const OPEN_DAYS: i32 = 7;

/// A one-time link's token: 256 random bits, hex.
pub(crate) fn new_token() -> Result<String> {
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| DbError::Invalid(format!("no randomness: {e}")))?;
    Ok(hex::encode(secret))
}

/// Invites `email` as `role`; returns the invitation and the link's token
/// (shown or sent once, never stored).
pub async fn invite(tx: &mut Tx, email: &str, role: Role) -> Result<(Uuid, String)> {
    let token = new_token()?;
    let id = sqlx::query_scalar("SELECT crm_invite($1, $2, $3, $4)")
        .bind(email)
        .bind(role)
        .bind(hash(&token))
        .bind(OPEN_DAYS)
        .fetch_one(tx.conn())
        .await?;
    Ok((id, token))
}

/// The client's invitations not yet accepted, newest first.
pub async fn open(tx: &mut Tx) -> Result<Vec<Invitation>> {
    Ok(sqlx::query_as(
        "SELECT id, email, role, expires_at FROM crm_invitations \
         WHERE accepted_at IS NULL ORDER BY created_at DESC LIMIT 100",
    )
    .fetch_all(tx.conn())
    .await?)
}

pub async fn revoke(tx: &mut Tx, id: Uuid) -> Result<()> {
    sqlx::query("SELECT crm_revoke_invitation($1)")
        .bind(id)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The open invitation with this token, if any.
pub async fn lookup(db: &Db, token: &str) -> Result<Option<InvitationInfo>> {
    let mut tx = db.unscoped("redkey_human").await?;
    let found = sqlx::query_as("SELECT email, client_name, known FROM crm_invitation($1)")
        .bind(hash(token))
        .fetch_optional(tx.conn())
        .await?;
    tx.rollback().await?;
    Ok(found)
}

/// Accepts the invitation (once); `hash` is the new person's password
/// hash (a person who already has one keeps theirs). Returns the user,
/// their name and the client to sign in to.
pub async fn accept(
    db: &Db,
    token: &str,
    name: &str,
    password_hash: Option<&str>,
) -> Result<(Uuid, String, Uuid)> {
    let mut tx = db.unscoped("redkey_human").await?;
    let row: (Uuid, String, Uuid) = sqlx::query_as(
        "SELECT user_id, display_name, client_id FROM crm_accept_invitation($1, $2, $3)",
    )
    .bind(hash(token))
    .bind(name)
    .bind(password_hash)
    .fetch_one(tx.conn())
    .await?;
    tx.commit().await?;
    Ok(row)
}
