//! What an admin changes: pipelines and stages (the functions here and in
//! [`super::pipeline`]; a trigger refuses any person who is not an admin)
//! and members' roles and memberships.

use uuid::Uuid;

use super::{Result, Tx};
use redkey_types::{MemberRole, Role};

/// Whether the transaction's person is an admin of its client.
pub async fn is_admin(tx: &mut Tx) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT crm_is_admin()")
        .fetch_one(tx.conn())
        .await?)
}

/// Every pipeline of the client, as (id, name), in order.
pub async fn pipelines(tx: &mut Tx) -> Result<Vec<(Uuid, String)>> {
    Ok(
        sqlx::query_as("SELECT id, name FROM crm_pipelines ORDER BY position, id")
            .fetch_all(tx.conn())
            .await?,
    )
}

pub async fn rename_pipeline(tx: &mut Tx, pipeline: Uuid, name: &str) -> Result<()> {
    sqlx::query("SELECT crm_rename_pipeline($1, $2)")
        .bind(pipeline)
        .bind(name)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// A stage's probability and whether it means won, lost or open.
pub async fn set_stage_outcome(
    tx: &mut Tx,
    stage: Uuid,
    probability: i32,
    is_won: bool,
    is_lost: bool,
) -> Result<()> {
    sqlx::query("SELECT crm_set_stage_outcome($1, $2, $3, $4)")
        .bind(stage)
        .bind(probability)
        .bind(is_won)
        .bind(is_lost)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The client's members with their roles, admins first, by name.
pub async fn members(tx: &mut Tx) -> Result<Vec<MemberRole>> {
    Ok(sqlx::query_as(
        "SELECT id, first_name, last_name, email, user_id, role FROM crm_member_roles \
         ORDER BY role, lower(first_name), lower(last_name), id",
    )
    .fetch_all(tx.conn())
    .await?)
}

pub async fn set_role(tx: &mut Tx, member: Uuid, role: Role) -> Result<()> {
    sqlx::query("SELECT crm_set_member_role($1, $2)")
        .bind(member)
        .bind(role)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// Removes a member from the client; their sessions there end at once.
pub async fn remove_member(tx: &mut Tx, member: Uuid) -> Result<()> {
    sqlx::query("SELECT crm_remove_member($1)")
        .bind(member)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The person's own name, on every client they belong to.
pub async fn set_my_name(tx: &mut Tx, name: &str) -> Result<()> {
    sqlx::query("SELECT crm_set_my_name($1)")
        .bind(name)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// The person's own password (already hashed); every session of theirs
/// that started before the returned time is over.
pub async fn set_my_password(tx: &mut Tx, hash: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    Ok(sqlx::query_scalar("SELECT crm_set_my_password($1)")
        .bind(hash)
        .fetch_one(tx.conn())
        .await?)
}
