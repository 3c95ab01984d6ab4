//! What arlo is doing: queue depth, recent runs, failures (with Retry),
//! timers (with Run now) and topic messages. Refreshes itself.

use crate::components::{PostForm, Posted, Refresh};
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;

use crate::{
    components::ErrorNote,
    model::{AgentCall, ArloOverview, EngineCheckin, QueueDepth, TaskStatus, TokenUse},
    server_fns::{
        arlo::{load_arlo, RetryTask, RunTimerNow},
        status::DatabaseStatus,
    },
};

fn at(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

#[component]
pub fn ArloPage() -> impl IntoView {
    let retry = Posted::<RetryTask>::new();
    let run_now = Posted::<RunTimerNow>::new();
    let data = resource(|| (), |_| load_arlo());
    view! {
        <Title text="Arlo" />
        <h1>"Arlo"</h1>
        <p class="lede">"The agent's work for this client: every task it runs, retries and reports."</p>
        <div id="arlo-overview">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(o) => view! { <Overview o retry run_now /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
        <Refresh id="arlo-overview" every_ms=3000 />
    }
}

#[component]
fn Overview(
    o: ArloOverview,
    retry: Posted<RetryTask>,
    run_now: Posted<RunTimerNow>,
) -> impl IntoView {
    view! {
        <div class="arlo">
            <section class="card" aria-labelledby="queue-h">
                <h2 id="queue-h">"Queue"</h2>
                <Depth depth=o.depth />
            </section>
            <section class="card" aria-labelledby="engines-h">
                <h2 id="engines-h">"Engines"</h2>
                <Engines engines=o.engines />
            </section>
            <section class="card" aria-labelledby="model-h">
                <h2 id="model-h">"Model"</h2>
                <Tokens used=o.tokens_today budget=o.daily_tokens />
            </section>
            <section class="card" aria-labelledby="timers-h">
                <h2 id="timers-h">"Timers"</h2>
                <table class="timers">
                    <thead><tr>
                        <th scope="col">"Kind"</th><th scope="col">"Schedule"</th>
                        <th scope="col">"Last tick"</th><th scope="col">"Next run"</th><th scope="col"></th>
                    </tr></thead>
                    <tbody>
                        {o.timers.into_iter().map(|t| {
                            let last = t.last_tick.map(at).unwrap_or_else(|| "—".into());
                            let next = at(t.next_run);
                            let kind = t.kind.clone();
                            view! {
                                <tr data-timer=t.kind.clone()>
                                    <td>{t.kind.clone()}</td>
                                    <td>{t.schedule.clone()}</td>
                                    <td>{last}</td>
                                    <td>{next}</td>
                                    <td>
                                        <PostForm action=run_now>
                                            <input type="hidden" name="kind" value=kind.clone() />
                                            <button type="submit" class="secondary">"Run now"</button>
                                        </PostForm>
                                    </td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <section class="card" aria-labelledby="failed-h">
                <h2 id="failed-h">"Failed tasks"</h2>
                {o.failed.is_empty().then(|| view! { <p class="quiet">"None."</p> })}
                <ul class="failed">
                    {o.failed.into_iter().map(|t| view! {
                        <li data-task=t.id.to_string()>
                            <strong>{t.kind.clone()}</strong>
                            {format!(" · {} attempts · ", t.attempts)}
                            <span class="error-text">{t.last_error.clone().unwrap_or_default()}</span>
                            <PostForm action=retry attr:class="inline">
                                <input type="hidden" name="id" value=t.id.to_string() />
                                <button type="submit" class="secondary">"Retry"</button>
                            </PostForm>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
            <section class="card wide" aria-labelledby="runs-h">
                <h2 id="runs-h">"Recent runs"</h2>
                <table class="runs">
                    <thead><tr>
                        <th scope="col">"Kind"</th><th scope="col">"Attempt"</th><th scope="col">"Instance"</th>
                        <th scope="col">"Started"</th><th scope="col">"Duration"</th><th scope="col">"Outcome"</th>
                        <th scope="col">"Tokens"</th>
                    </tr></thead>
                    <tbody>
                        {o.runs.into_iter().map(|r| {
                            let outcome = r.outcome.clone().unwrap_or_else(|| "running".into());
                            view! {
                                <tr>
                                    <td>{r.kind.clone()}</td>
                                    <td>{r.attempt}</td>
                                    <td>{r.instance.clone()}</td>
                                    <td>{at(r.started_at)}</td>
                                    <td>{r.duration_ms().map(|ms| format!("{ms} ms")).unwrap_or_default()}</td>
                                    <td class=format!("outcome {outcome}") title=r.error.clone().unwrap_or_default()>{outcome.clone()}</td>
                                    <td class="tokens">{r.tokens.map(|t| t.to_string()).unwrap_or_default()}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            </section>
            <section class="card wide" aria-labelledby="messages-h">
                <h2 id="messages-h">"Topic messages"</h2>
                <ol class="messages">
                    {o.messages.into_iter().map(|m| {
                        let text = m.body.get("summary").and_then(|s| s.as_str()).map(String::from)
                            .unwrap_or_else(|| m.body.to_string());
                        view! {
                            <li>
                                <time>{at(m.created_at)}</time>" "
                                <span class="topic">{m.topic.clone()}</span>" "
                                <span>{text}</span>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            </section>
            <DatabaseCheck />
            <section class="card wide" aria-labelledby="agents-h">
                <h2 id="agents-h">"Other agents' calls"</h2>
                <AgentCalls calls=o.agent_calls />
            </section>
        </div>
    }
}

/// Proves the server-function round trip to Postgres, on request.
#[component]
fn DatabaseCheck() -> impl IntoView {
    let check = Posted::<DatabaseStatus>::new();
    let result = check.value();
    view! {
        <section class="card" aria-labelledby="db-heading">
            <h2 id="db-heading">"Database"</h2>
            <PostForm action=check>
                <button type="submit" id="check-db">"Check database"</button>
            </PostForm>
            <p id="db-status" role="status">
                {move || match result.get() {
                    None => "Not checked yet.".to_string(),
                    Some(Ok(s)) => format!(
                        "Connected to PostgreSQL {}, schema version {}.",
                        s.server_version, s.schema_version,
                    ),
                    Some(Err(e)) => format!("Database check failed: {e}"),
                }}
            </p>
        </section>
    }
}

/// What other agents asked over MCP (`/mcp`), newest first.
#[component]
fn AgentCalls(calls: Vec<AgentCall>) -> impl IntoView {
    if calls.is_empty() {
        return view! { <p class="muted">"No agent has called RedKey's MCP server yet."</p> }
            .into_any();
    }
    view! {
        <table class="agent-calls">
            <thead><tr>
                <th scope="col">"When"</th><th scope="col">"Agent"</th><th scope="col">"Tool"</th>
                <th scope="col">"Outcome"</th><th scope="col">"Duration"</th>
            </tr></thead>
            <tbody>
                {calls.into_iter().map(|c| {
                    let tool = c.tool.clone();
                    view! {
                    <tr data-tool=tool>
                        <td>{at(c.called_at)}</td>
                        <td>{c.agent}</td>
                        <td><code>{c.tool}</code></td>
                        <td class=if c.ok { "outcome succeeded" } else { "outcome failed" }>
                            {c.summary}
                        </td>
                        <td>{format!("{} ms", c.duration_ms)}</td>
                    </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Today's model tokens against the client's budget, as a bar.
#[component]
fn Tokens(used: TokenUse, budget: Option<u64>) -> impl IntoView {
    let spent = used.input_tokens + used.output_tokens;
    let Some(budget) = budget else {
        return view! {
            <p id="model-use">"No model is configured: arlo's built-in interpreter answers."</p>
        }
        .into_any();
    };
    let share = (spent.max(0) as u64 * 100 / budget.max(1)).min(100);
    view! {
        <p id="model-use">
            {format!("{spent} of {budget} tokens today ({} calls: {} in, {} out)",
                used.calls, used.input_tokens, used.output_tokens)}
        </p>
        <div class="meter" role="meter" aria-valuemin="0" aria-valuemax=budget.to_string()
            aria-valuenow=spent.to_string() aria-label="Today's model tokens">
            <span style=format!("width: {share}%")></span>
        </div>
    }
    .into_any()
}

/// Counts per kind and status, as a table with a stacked bar per kind.
#[component]
fn Depth(depth: Vec<QueueDepth>) -> impl IntoView {
    let mut kinds: Vec<String> = depth.iter().map(|d| d.kind.clone()).collect();
    kinds.dedup();
    let count = |kind: &str, s: TaskStatus| {
        depth
            .iter()
            .find(|d| d.kind == kind && d.status == s)
            .map(|d| d.count)
            .unwrap_or(0)
    };
    let biggest = kinds
        .iter()
        .map(|k| TaskStatus::ALL.iter().map(|s| count(k, *s)).sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    if kinds.is_empty() {
        return view! { <p class="quiet">"No tasks yet."</p> }.into_any();
    }
    view! {
        <table class="depth">
            <thead><tr>
                <th scope="col">"Kind"</th>
                {TaskStatus::ALL.iter().map(|s| view! { <th scope="col">{s.as_str()}</th> }).collect_view()}
                <th scope="col"><span class="visually-hidden">"Share"</span></th>
            </tr></thead>
            <tbody>
                {kinds.iter().map(|k| view! {
                    <tr data-kind=k.clone()>
                        <td>{k.clone()}</td>
                        {TaskStatus::ALL.iter().map(|s| view! {
                            <td class=format!("n {}", s.as_str())>{count(k, *s)}</td>
                        }).collect_view()}
                        <td class="stack" aria-hidden="true">
                            {TaskStatus::ALL.iter().map(|s| {
                                let w = count(k, *s) * 100 / biggest;
                                view! { <span class=format!("seg {}", s.as_str()) style=format!("width: {w}%")></span> }
                            }).collect_view()}
                        </td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// Who serves this database (a server's own engine, or a shared runner's)
/// and whether each still checks in: arlo stopped is shown, not guessed.
#[component]
fn Engines(engines: Vec<EngineCheckin>) -> impl IntoView {
    if engines.is_empty() {
        return view! {
            <p class="warning-text" data-engines="none">
                "No engine has checked in: arlo is not running for this client."
            </p>
        }
        .into_any();
    }
    let all_stopped = engines.iter().all(EngineCheckin::stopped);
    view! {
        {all_stopped.then(|| view! {
            <p class="warning-text" data-engines="stopped">
                "Every engine has gone silent: arlo is not running for this client."
            </p>
        })}
        <ul class="engines">
            {engines.into_iter().map(|e| {
                let state = if e.stopped() { "stopped" } else { "running" };
                view! {
                    <li data-engine=e.instance.clone() data-state=state>
                        <strong>{e.instance.clone()}</strong>
                        " — " {state} ", last check-in " {at(e.checked_in_at)}
                        " (" {e.silent_for} " s ago), version " {e.version.clone()}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}
