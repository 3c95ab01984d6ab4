//! What the model cost: one row per call, against the task attempt that
//! made it; the per-client daily budget and the Arlo page read the sums.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Result, Tx};
use redkey_types::TokenUse;

pub async fn record(
    tx: &mut Tx,
    task_id: Uuid,
    attempt: i32,
    model: &str,
    input_tokens: u32,
    output_tokens: u32,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO crm_model_calls (task_id, attempt, model, input_tokens, output_tokens) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(task_id)
    .bind(attempt)
    .bind(model)
    .bind(input_tokens.min(i32::MAX as u32) as i32)
    .bind(output_tokens.min(i32::MAX as u32) as i32)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The client's calls and tokens since `from`.
pub async fn since(tx: &mut Tx, from: DateTime<Utc>) -> Result<TokenUse> {
    Ok(sqlx::query_as(
        "SELECT count(*) AS calls, coalesce(sum(input_tokens), 0)::bigint AS input_tokens, \
                coalesce(sum(output_tokens), 0)::bigint AS output_tokens \
         FROM crm_model_calls WHERE called_at >= $1",
    )
    .bind(from)
    .fetch_one(tx.conn())
    .await?)
}
