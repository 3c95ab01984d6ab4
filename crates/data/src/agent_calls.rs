//! The log of other agents' MCP calls the Arlo page shows: kept apart from
//! activities, so a lookup never counts as contact with anyone.

use redkey_types::AgentCall;
use uuid::Uuid;

use super::{Result, Tx};

/// One call as the MCP server records it.
#[derive(Clone, Debug)]
pub struct NewCall<'a> {
    pub agent: &'a str,
    pub tool: &'a str,
    pub ok: bool,
    /// A short line of what came of it: counts and ids of RedKey's own
    /// work, never the caller's arguments.
    pub summary: &'a str,
    pub duration_ms: i32,
    pub task_id: Option<Uuid>,
}

pub async fn record(tx: &mut Tx, c: &NewCall<'_>) -> Result<()> {
    let summary: String = c.summary.chars().take(300).collect();
    sqlx::query(
        "INSERT INTO crm_agent_calls (agent, tool, ok, summary, duration_ms, task_id) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(c.agent)
    .bind(c.tool)
    .bind(c.ok)
    .bind(summary)
    .bind(c.duration_ms.max(0))
    .bind(c.task_id)
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// The newest calls first.
pub async fn recent(tx: &mut Tx, limit: i64) -> Result<Vec<AgentCall>> {
    Ok(sqlx::query_as(
        "SELECT id, agent, tool, ok, summary, duration_ms, task_id, called_at \
         FROM crm_agent_calls ORDER BY called_at DESC, id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(tx.conn())
    .await?)
}
