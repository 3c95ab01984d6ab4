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
        board::{self, Ask, Boards},
        cockpit, db,
        db::board::{BoardFilter, Cursor},
        session::human_read,
    };

    let clean = |v: Option<String>| v.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    let ask = Ask {
        pipeline,
        filter: BoardFilter {
            owner: clean(owner),
            priority: priority.as_deref().and_then(Priority::parse),
            text: clean(text),
        },
        after: stage
            .zip(after.as_deref())
            .and_then(|(s, a)| Cursor::parse(s, a)),
        open,
        per_column: cockpit::config().and_then(|c| c.board_cards).unwrap_or(25) as usize,
    };
    let kept = use_context::<std::sync::Arc<Boards>>();
    let (mut tx, me) = human_read().await?;
    let now = chrono::Utc::now();
    let read = board::read(&mut tx, me.client, &ask, kept.as_deref()).await?;
    let attention = match read.pipeline_id() {
        Some(p) => db::deals::needs_attention_first(&mut tx, now, p, 11).await?,
        None => vec![],
    };
    Ok(read.at(now, attention, 10))
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
