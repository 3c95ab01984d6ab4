use uuid::Uuid;

use super::{Result, Tx};
use redkey_types::Stage;

/// Every live stage of every pipeline, in board order, with totals.
pub async fn stages(tx: &mut Tx) -> Result<Vec<Stage>> {
    Ok(sqlx::query_as(
        "SELECT stage_id, pipeline_id, pipeline_name, pipeline_position, stage_name, \
                stage_position, probability, is_won, is_lost, stale_after_days, deal_count, \
                amount_units, weighted_units \
         FROM crm_pipeline ORDER BY pipeline_position, pipeline_id, stage_position, stage_id",
    )
    .fetch_all(tx.conn())
    .await?)
}

pub async fn create_pipeline(tx: &mut Tx, name: &str) -> Result<Uuid> {
    Ok(sqlx::query_scalar("SELECT crm_create_pipeline($1)")
        .bind(name)
        .fetch_one(tx.conn())
        .await?)
}

pub async fn create_stage(
    tx: &mut Tx,
    pipeline: Uuid,
    name: &str,
    probability: i32,
    is_won: bool,
    is_lost: bool,
) -> Result<Uuid> {
    Ok(
        sqlx::query_scalar("SELECT crm_create_stage($1, $2, $3, $4, $5)")
            .bind(pipeline)
            .bind(name)
            .bind(probability)
            .bind(is_won)
            .bind(is_lost)
            .fetch_one(tx.conn())
            .await?,
    )
}

pub async fn rename_stage(tx: &mut Tx, stage: Uuid, name: &str) -> Result<()> {
    sqlx::query("SELECT crm_rename_stage($1, $2)")
        .bind(stage)
        .bind(name)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn reorder_stage(tx: &mut Tx, stage: Uuid, position: i32) -> Result<()> {
    sqlx::query("SELECT crm_reorder_stage($1, $2)")
        .bind(stage)
        .bind(position)
        .execute(tx.conn())
        .await?;
    Ok(())
}

pub async fn archive_stage(tx: &mut Tx, stage: Uuid) -> Result<()> {
    sqlx::query("SELECT crm_archive_stage($1)")
        .bind(stage)
        .execute(tx.conn())
        .await?;
    Ok(())
}

/// After how many quiet days a stage's open deals are stale.
pub async fn set_stage_threshold(tx: &mut Tx, stage: Uuid, days: i32) -> Result<()> {
    sqlx::query("SELECT crm_set_stage_threshold($1, $2)")
        .bind(stage)
        .bind(days)
        .execute(tx.conn())
        .await?;
    Ok(())
}
