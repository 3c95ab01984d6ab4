//! The board as read from the database, and the boards kept between
//! requests.
//!
//! The unfiltered board's first page (its stages, their maintained totals
//! and each open column's first cards) is what nearly every visit asks
//! for, and its cards statement was most of a board request's database
//! time (BENCHMARKS.md, session 39). It is kept per client and pipeline
//! under the client's board stamp (migration 0069), which every committed
//! change to a deal, a company's name, a pipeline or a stage replaces, so
//! a kept board is served only while nothing it shows has changed, in
//! this instance or any other. The stamp is read before the board, so a
//! kept board is never older than its stamp. Cards are dated as they are
//! served; the attention panel, which turns on the clock, is read every
//! time.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::db::{
    self,
    board::{self, BoardFilter, CardRow, Cursor},
    Tx,
};
use crate::model::{pipelines_of, Attention, Board, Stage};

/// What the request asks of the board.
pub struct Ask {
    pub pipeline: Option<Uuid>,
    pub filter: BoardFilter,
    pub after: Option<Cursor>,
    /// A won or lost column opened.
    pub open: Option<Uuid>,
    pub per_column: usize,
}

impl Ask {
    /// Only the plain first page is kept: filtered and paged boards are
    /// read afresh.
    fn keepable(&self) -> bool {
        self.filter.is_empty() && self.after.is_none() && self.open.is_none()
    }
}

/// The board without the clock applied.
#[derive(Debug)]
pub struct BoardRead {
    pipelines: Vec<(Uuid, String)>,
    pipeline_id: Option<Uuid>,
    stages: Vec<Stage>,
    rows: Vec<CardRow>,
    more: Vec<(Uuid, String)>,
    collapsed: Vec<Uuid>,
    paged: Option<Uuid>,
}

impl BoardRead {
    pub fn pipeline_id(&self) -> Option<Uuid> {
        self.pipeline_id
    }

    /// The board as shown at `now`, with its attention panel.
    pub fn at(&self, now: DateTime<Utc>, mut attention: Vec<Attention>, shown: usize) -> Board {
        let attention_more = attention.len() > shown;
        attention.truncate(shown);
        Board {
            pipelines: self.pipelines.clone(),
            pipeline_id: self.pipeline_id,
            stages: self.stages.clone(),
            cards: self.rows.iter().map(|r| r.card(now)).collect(),
            more: self.more.clone(),
            collapsed: self.collapsed.clone(),
            paged: self.paged,
            attention,
            attention_more,
        }
    }
}

/// Reads the board `ask` names, or serves the one kept for it.
pub async fn read(
    tx: &mut Tx,
    client: Uuid,
    ask: &Ask,
    kept: Option<&Boards>,
) -> Result<Arc<BoardRead>, db::DbError> {
    let kept = kept.filter(|k| k.capacity > 0 && ask.keepable());
    let slot = match kept {
        Some(kept) => board::stamp(tx).await?.map(|stamp| {
            let slot = Slot {
                client,
                pipeline: ask.pipeline,
                per_column: ask.per_column,
            };
            (kept, slot, stamp)
        }),
        None => None,
    };
    if let Some((kept, slot, stamp)) = &slot {
        if let Some(hit) = kept.get(slot, *stamp) {
            return Ok(hit);
        }
    }
    let fresh = Arc::new(read_fresh(tx, ask).await?);
    if let Some((kept, slot, stamp)) = slot {
        kept.put(slot, stamp, fresh.clone());
    }
    Ok(fresh)
}

async fn read_fresh(tx: &mut Tx, ask: &Ask) -> Result<BoardRead, db::DbError> {
    let all = db::pipeline::stages(tx).await?;
    let pipelines = pipelines_of(&all);
    let pipeline_id = ask
        .pipeline
        .filter(|p| pipelines.iter().any(|(id, _)| id == p))
        .or_else(|| pipelines.first().map(|p| p.0));
    let mut stages: Vec<_> = all
        .into_iter()
        .filter(|s| Some(s.pipeline_id) == pipeline_id)
        .collect();
    let Some(pipeline_id) = pipeline_id else {
        return Ok(BoardRead {
            pipelines,
            pipeline_id: None,
            stages,
            rows: vec![],
            more: vec![],
            collapsed: vec![],
            paged: None,
        });
    };
    if !ask.filter.is_empty() {
        let totals = board::filtered_totals(tx, pipeline_id, &ask.filter).await?;
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
    let paged = ask.after.map(|c| c.stage);
    let (collapsed, shown): (Vec<_>, Vec<_>) = stages.iter().partition(|s| {
        (s.is_won || s.is_lost) && ask.open != Some(s.stage_id) && paged != Some(s.stage_id)
    });
    let collapsed: Vec<Uuid> = collapsed.into_iter().map(|s| s.stage_id).collect();
    let shown: Vec<Uuid> = shown.into_iter().map(|s| s.stage_id).collect();
    // One more than shown tells whether a column goes on.
    let limit = ask.per_column as i64 + 1;
    let all_rows = board::card_rows(tx, &shown, &ask.filter, ask.after, limit).await?;
    let mut rows = vec![];
    let mut more = vec![];
    for stage in &shown {
        let column: Vec<_> = all_rows.iter().filter(|r| r.stage_id == *stage).collect();
        if column.len() > ask.per_column {
            let last = column[ask.per_column - 1];
            more.push((*stage, Cursor::encode(last.position, last.id)));
        }
        rows.extend(column.into_iter().take(ask.per_column).cloned());
    }
    Ok(BoardRead {
        pipelines,
        pipeline_id: Some(pipeline_id),
        stages,
        rows,
        more,
        collapsed,
        paged,
    })
}

/// Which board a kept one is: the same client, the same pipeline asked
/// for (or none, the first), the same cards per column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Slot {
    client: Uuid,
    pipeline: Option<Uuid>,
    per_column: usize,
}

/// Boards kept between requests, at most `capacity` of them (none when
/// 0): one per slot, under the stamp it was read at.
pub struct Boards {
    capacity: usize,
    kept: Mutex<Kept>,
}

#[derive(Default)]
struct Kept {
    boards: HashMap<Slot, (i64, u64, Arc<BoardRead>)>,
    /// Bumped on each use: the least recently used board goes first.
    clock: u64,
}

impl Boards {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            kept: Mutex::default(),
        }
    }

    fn get(&self, slot: &Slot, stamp: i64) -> Option<Arc<BoardRead>> {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.clock += 1;
        let clock = kept.clock;
        let entry = kept.boards.get_mut(slot).filter(|e| e.0 == stamp)?;
        entry.1 = clock;
        Some(entry.2.clone())
    }

    /// Keeps `board` as the slot's, replacing whatever stamp was there:
    /// stamps are transaction ids, not an order, and a replaced board is
    /// only a read to do again.
    fn put(&self, slot: Slot, stamp: i64, board: Arc<BoardRead>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        kept.clock += 1;
        let clock = kept.clock;
        if !kept.boards.contains_key(&slot) && kept.boards.len() >= self.capacity {
            let oldest = kept.boards.iter().min_by_key(|(_, e)| e.1).map(|(s, _)| *s);
            if let Some(oldest) = oldest {
                kept.boards.remove(&oldest);
            }
        }
        kept.boards.insert(slot, (stamp, clock, board));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.kept.lock().map(|k| k.boards.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty() -> Arc<BoardRead> {
        Arc::new(BoardRead {
            pipelines: vec![],
            pipeline_id: None,
            stages: vec![],
            rows: vec![],
            more: vec![],
            collapsed: vec![],
            paged: None,
        })
    }

    fn slot(n: u128) -> Slot {
        Slot {
            client: Uuid::from_u128(n),
            pipeline: None,
            per_column: 25,
        }
    }

    #[test]
    fn a_kept_board_serves_only_its_own_stamp_and_client() {
        let boards = Boards::new(4);
        boards.put(slot(1), 7, empty());
        assert!(boards.get(&slot(1), 7).is_some());
        assert!(boards.get(&slot(1), 8).is_none());
        assert!(boards.get(&slot(2), 7).is_none());
        boards.put(slot(1), 5, empty());
        assert!(boards.get(&slot(1), 7).is_none());
        assert!(boards.get(&slot(1), 5).is_some());
    }

    #[test]
    fn the_least_recently_used_board_makes_room() {
        let boards = Boards::new(2);
        boards.put(slot(1), 1, empty());
        boards.put(slot(2), 1, empty());
        assert!(boards.get(&slot(1), 1).is_some());
        boards.put(slot(3), 1, empty());
        assert_eq!(boards.len(), 2);
        assert!(boards.get(&slot(1), 1).is_some());
        assert!(boards.get(&slot(2), 1).is_none());
        assert!(boards.get(&slot(3), 1).is_some());
    }
}
