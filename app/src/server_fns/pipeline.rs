use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, Board};

/// One pipeline's board, filtered by owner (a member, or text matching
/// members), priority and text. Each column shows its first cards; `stage`
/// and `after` page one column past its cursor; `open` shows the cards of
/// a won or lost column, which are collapsed otherwise.
#[server]
pub async fn load_board(
    pipeline: Option<Uuid>,
    owner: Option<String>,
    priority: Option<String>,
    text: Option<String>,
    stage: Option<Uuid>,
    after: Option<String>,
    open: Option<Uuid>,
) -> Result<Board, AppError> {
    use crate::model::Priority;
    use crate::ssr::{
        cockpit, db,
        db::board::{self, BoardFilter, Cursor},
        session::human_read,
    };

    let per_column = cockpit::config().and_then(|c| c.board_cards).unwrap_or(25) as usize;
    let (mut tx, _) = human_read().await?;
    let now = chrono::Utc::now();
    let all = db::pipeline::stages(&mut tx).await?;
    let pipelines = crate::model::pipelines_of(&all);
    let pipeline_id = pipeline
        .filter(|p| pipelines.iter().any(|(id, _)| id == p))
        .or_else(|| pipelines.first().map(|p| p.0));
    let mut stages: Vec<_> = all
        .into_iter()
        .filter(|s| Some(s.pipeline_id) == pipeline_id)
        .collect();
    let Some(pipeline_id) = pipeline_id else {
        return Ok(Board {
            pipelines,
            pipeline_id: None,
            stages,
            cards: vec![],
            more: vec![],
            collapsed: vec![],
            paged: None,
            attention: vec![],
            attention_more: false,
        });
    };
    let clean = |v: Option<String>| v.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    let filter = BoardFilter {
        owner: clean(owner),
        priority: priority.as_deref().and_then(Priority::parse),
        text: clean(text),
    };
    if !filter.is_empty() {
        let totals = board::filtered_totals(&mut tx, pipeline_id, &filter).await?;
        for s in &mut stages {
            let (count, units) = totals
                .iter()
                .find(|t| t.0 == s.stage_id)
                .map(|t| (t.1, t.2))
                .unwrap_or((0, 0));
            s.deal_count = count;
            s.amount_units = units;
            s.weighted_units = units * s.probability as i64 / 100;
        }
    }
    let after = stage
        .zip(after.as_deref())
        .and_then(|(s, a)| Cursor::parse(s, a));
    let paged = after.map(|c| c.stage);
    let (collapsed, shown): (Vec<_>, Vec<_>) = stages.iter().partition(|s| {
        (s.is_won || s.is_lost) && open != Some(s.stage_id) && paged != Some(s.stage_id)
    });
    let collapsed: Vec<Uuid> = collapsed.into_iter().map(|s| s.stage_id).collect();
    let shown: Vec<Uuid> = shown.into_iter().map(|s| s.stage_id).collect();
    // One more than shown tells whether a column goes on.
    let rows = board::cards(&mut tx, &shown, &filter, after, per_column as i64 + 1, now).await?;
    let mut cards = vec![];
    let mut more = vec![];
    for stage in &shown {
        let column: Vec<_> = rows.iter().filter(|r| r.stage_id == *stage).collect();
        if column.len() > per_column {
            let last = column[per_column - 1];
            more.push((*stage, Cursor::encode(last.position, last.id)));
        }
        cards.extend(column.into_iter().take(per_column).cloned());
    }
    let mut attention = db::deals::needs_attention_first(&mut tx, now, pipeline_id, 11).await?;
    let attention_more = attention.len() > 10;
    attention.truncate(10);
    Ok(Board {
        pipelines,
        pipeline_id: Some(pipeline_id),
        stages,
        cards,
        more,
        collapsed,
        paged,
        attention,
        attention_more,
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
