use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, Board};

/// One pipeline's board, filtered by owner, priority and text.
#[server]
pub async fn load_board(
    pipeline: Option<Uuid>,
    owner: Option<Uuid>,
    priority: Option<String>,
    text: Option<String>,
) -> Result<Board, AppError> {
    use crate::model::{DealCard, Priority};
    use crate::ssr::{db, session::human_tx};
    use std::collections::HashMap;

    let (mut tx, _) = human_tx().await?;
    let now = chrono::Utc::now();
    let all = db::pipeline::stages(&mut tx).await?;
    // The one rule: the panel and the stale badge read the same list.
    let (_, attention) = db::deals::needs_attention(&mut tx, now).await?;
    let mut pipelines: Vec<(Uuid, String)> = vec![];
    for s in &all {
        if !pipelines.iter().any(|(id, _)| *id == s.pipeline_id) {
            pipelines.push((s.pipeline_id, s.pipeline_name.clone()));
        }
    }
    let pipeline_id = pipeline
        .filter(|p| pipelines.iter().any(|(id, _)| id == p))
        .or_else(|| pipelines.first().map(|p| p.0));
    let stages: Vec<_> = all
        .into_iter()
        .filter(|s| Some(s.pipeline_id) == pipeline_id)
        .collect();
    let deals = match pipeline_id {
        Some(p) => db::deals::of_pipeline(&mut tx, p).await?,
        None => vec![],
    };
    // Only the companies of the deals on the board.
    let mut ids: Vec<Uuid> = deals.iter().filter_map(|d| d.company_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let companies: HashMap<Uuid, String> = db::companies::names(&mut tx, &ids)
        .await?
        .into_iter()
        .collect();
    let priority = priority.as_deref().and_then(Priority::parse);
    let text = text
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty());
    let cards: Vec<DealCard> = deals
        .into_iter()
        .filter(|d| owner.is_none() || d.owner_id == owner)
        .filter(|d| priority.is_none() || d.priority == priority)
        .map(|d| {
            let company_name = d.company_id.and_then(|c| companies.get(&c).cloned());
            DealCard {
                days_in_stage: (now - d.stage_changed_at).num_days(),
                stale: attention.iter().any(|a| a.deal_id == d.id && a.stale),
                company_name,
                deal: d,
            }
        })
        .filter(|c| match &text {
            None => true,
            Some(t) => {
                c.deal.name.to_lowercase().contains(t)
                    || c.company_name
                        .as_ref()
                        .is_some_and(|n| n.to_lowercase().contains(t))
            }
        })
        .collect();
    let members = db::member_choices(&mut tx).await?;
    let on_board: Vec<Uuid> = cards.iter().map(|c| c.deal.id).collect();
    let attention = attention
        .into_iter()
        .filter(|a| on_board.contains(&a.deal_id))
        .collect();
    Ok(Board {
        pipelines,
        pipeline_id,
        stages,
        cards,
        members,
        attention,
    })
}

/// Moves a deal to a stage and position (0-based) through `crm_move_deal`.
#[server]
pub async fn move_deal(deal: Uuid, stage: Uuid, position: i32) -> Result<(), AppError> {
    use crate::ssr::{db, session::human_tx};
    let (mut tx, _) = human_tx().await?;
    db::deals::move_to(&mut tx, deal, stage, position).await?;
    tx.commit().await?;
    Ok(())
}
