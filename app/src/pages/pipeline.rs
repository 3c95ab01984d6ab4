use std::sync::Arc;

use leptos::{ev::DragEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::{hooks::use_query_map, params::ParamsMap};
use uuid::Uuid;

use crate::{
    components::{ErrorNote, Lookup},
    model::{
        format::{money, money_units},
        Attention, Board, DealCard, Priority, Stage,
    },
    server_fns::pipeline::{load_board, MoveDeal},
};

/// The kanban: one column per stage of the chosen pipeline.
#[component]
pub fn PipelinePage() -> impl IntoView {
    let query = use_query_map();
    let mover = ServerAction::<MoveDeal>::new();
    let data = Resource::new(
        move || (query.get(), mover.version().get()),
        |(q, _)| {
            let id = |k: &str| q.get(k).and_then(|v| v.parse::<Uuid>().ok());
            load_board(
                id("pipeline"),
                q.get("owner"),
                q.get("priority"),
                q.get("text"),
                id("stage"),
                q.get("after"),
                id("open"),
            )
        },
    );
    let dragged = RwSignal::new(None::<Uuid>);
    let q = move |k: &'static str| move || query.get().get(k).unwrap_or_default();
    view! {
        <Title text="Pipeline" />
        <h1>"Pipeline"</h1>
        <a class="button" href="/deals/new">"New deal"</a>
        <Transition fallback=|| view! { <p>"Loading the board…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(b) => {
                        let current = b.pipeline_id.map(|p| p.to_string()).unwrap_or_default();
                        view! {
                            <form method="get" class="filters" aria-label="Filter deals">
                                <label for="pipeline">"Pipeline"</label>
                                <select id="pipeline" name="pipeline">
                                    {b.pipelines.iter().map(|(id, name)| {
                                        let id = id.to_string();
                                        let sel = id == current;
                                        view! { <option value=id selected=sel>{name.clone()}</option> }
                                    }).collect_view()}
                                </select>
                                <label for="owner">"Owner"</label>
                                <Lookup name="owner" kind="member" value=q("owner")() placeholder="Anyone" />
                                <label for="priority">"Priority"</label>
                                <select id="priority" name="priority">
                                    <option value="">"Any"</option>
                                    {Priority::ALL.iter().map(|p| {
                                        let sel = q("priority")() == p.as_str();
                                        view! { <option value=p.as_str() selected=sel>{p.as_str()}</option> }
                                    }).collect_view()}
                                </select>
                                <label for="text">"Search"</label>
                                <input id="text" name="text" type="search" value=q("text") />
                                <button type="submit" class="secondary">"Apply"</button>
                            </form>
                            <NeedsAttention list=b.attention.clone() more=b.attention_more />
                            <BoardView board=b query=query.get() mover dragged />
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// The pipeline's open deals that need attention, by the rule the daily
/// report uses: the stalest ten, each with its reasons.
#[component]
fn NeedsAttention(list: Vec<Attention>, more: bool) -> impl IntoView {
    let total = format!("{}{}", list.len(), if more { "+" } else { "" });
    (!list.is_empty()).then(|| {
        view! {
            <details class="card attention" data-attention>
                <summary>{format!("Needs attention ({total})")}</summary>
                <ul>
                    {list.into_iter().map(|a| view! {
                        <li data-deal=a.deal_id.to_string()>
                            <a href=format!("/deals/{}", a.deal_id)>{a.name.clone()}</a>
                            {format!(" · {} · {}", a.stage_name, a.reasons().join(", "))}
                        </li>
                    }).collect_view()}
                </ul>
            </details>
        }
    })
}

/// The board's links keep its filters and change only the paging.
fn board_href(query: &ParamsMap, set: &[(&'static str, String)]) -> String {
    let mut q = query.clone();
    for key in ["stage", "after", "open"] {
        q.remove(key);
    }
    for (k, v) in set {
        q.replace(*k, v.clone());
    }
    format!("/pipeline{}", q.to_query_string())
}

#[component]
fn BoardView(
    board: Board,
    query: ParamsMap,
    mover: ServerAction<MoveDeal>,
    dragged: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let biggest = board
        .stages
        .iter()
        .map(|s| s.amount_units)
        .max()
        .unwrap_or(0)
        .max(1);
    // Every card's move form lists every stage: built once, shared.
    let choices: StageChoices = board
        .stages
        .iter()
        .map(|s| {
            (
                Arc::from(s.stage_id.to_string()),
                Arc::from(s.stage_name.as_str()),
            )
        })
        .collect();
    view! {
        <div class="board" role="list" aria-label="Stages">
            {board.stages.iter().map(|stage| {
                let id = stage.stage_id;
                let cards: Vec<DealCard> = board.cards.iter().filter(|c| c.stage_id == id).cloned().collect();
                let paging = Paging {
                    collapsed: board.collapsed.contains(&id),
                    paged: board.paged == Some(id),
                    more: board.more.iter().find(|m| m.0 == id).map(|m| board_href(&query, &[("stage", id.to_string()), ("after", m.1.clone())])),
                    open: board_href(&query, &[("open", id.to_string())]),
                    first: board_href(&query, &[]),
                };
                view! { <Column stage=stage.clone() cards paging choices=choices.clone() biggest mover dragged /> }
            }).collect_view()}
        </div>
    }
}

/// The stages a card can move to, as (id, name) ready to render.
type StageChoices = Arc<[(Arc<str>, Arc<str>)]>;

/// How a column is paged, and the links that page it.
struct Paging {
    /// A won or lost column showing only its totals.
    collapsed: bool,
    /// Showing cards past the first ones.
    paged: bool,
    /// The next cards, when there are more.
    more: Option<String>,
    /// The column opened (for a collapsed one).
    open: String,
    /// Back to every column's first cards.
    first: String,
}

#[component]
fn Column(
    stage: Stage,
    cards: Vec<DealCard>,
    paging: Paging,
    choices: StageChoices,
    biggest: i64,
    mover: ServerAction<MoveDeal>,
    dragged: RwSignal<Option<Uuid>>,
) -> impl IntoView {
    let stage_id = stage.stage_id;
    let currency = cards
        .first()
        .map(|c| c.currency_code.clone())
        .unwrap_or_else(|| "USD".into());
    let drop_at = move |position: i32| {
        move |ev: DragEvent| {
            ev.prevent_default();
            ev.stop_propagation();
            if let Some(deal) = dragged.get_untracked() {
                dragged.set(None);
                mover.dispatch(MoveDeal {
                    deal,
                    stage: stage_id,
                    position,
                });
            }
        }
    };
    // A card's place in its column: its index on a first page; deeper in,
    // its stored position (positions are renumbered densely by moves).
    let place = move |i: usize, card: &DealCard| {
        if paging.paged {
            card.position as i32
        } else {
            i as i32
        }
    };
    let end = cards
        .last()
        .map(|c| place(cards.len() - 1, c) + 1)
        .unwrap_or(0);
    // i128: a total near the maximum times 100 stays exact.
    let percent = |n: i64| (n as i128 * 100 / biggest as i128) as i64;
    let (bar, weighted) = (percent(stage.amount_units), percent(stage.weighted_units));
    let count = stage.deal_count;
    view! {
        <section
            class="column"
            class:collapsed=paging.collapsed
            role="listitem"
            aria-label=stage.stage_name.clone()
            data-stage=stage_id.to_string()
            on:dragover=|ev: DragEvent| ev.prevent_default()
            on:drop=drop_at(end)
        >
            <header class="column-head">
                <h2>{stage.stage_name.clone()}</h2>
                <p class="totals">
                    <span class="count">{format!("{} {}", count, if count == 1 { "deal" } else { "deals" })}</span>
                    <span class="total">{money_units(stage.amount_units, &currency)}</span>
                    <span class="weighted" title="probability-weighted">
                        {format!("{} weighted ({}%)", money_units(stage.weighted_units, &currency), stage.probability)}
                    </span>
                </p>
                <div class="bar" aria-hidden="true">
                    <div class="bar-total" style=format!("width: {bar}%")></div>
                    <div class="bar-weighted" style=format!("width: {weighted}%")></div>
                </div>
            </header>
            {paging.collapsed.then(|| view! {
                <a class="open-column" href=paging.open.clone()>{format!("Show the {count} deals")}</a>
            })}
            {paging.paged.then(|| view! {
                <a class="first-cards" href=paging.first.clone()>"Back to the first deals"</a>
            })}
            <ol class="cards">
                {cards.into_iter().enumerate().map(|(i, card)| {
                    let at = place(i, &card);
                    view! { <Card card position=at choices=choices.clone() mover dragged on_drop=drop_at(at) /> }
                }).collect_view()}
            </ol>
            {paging.more.clone().map(|href| view! {
                <a class="show-more" href=href>"Show more"</a>
            })}
        </section>
    }
}

#[component]
fn Card(
    card: DealCard,
    position: i32,
    choices: StageChoices,
    mover: ServerAction<MoveDeal>,
    dragged: RwSignal<Option<Uuid>>,
    on_drop: impl Fn(DragEvent) + 'static,
) -> impl IntoView {
    let d = card;
    let id = d.id;
    let select_id = format!("move-{id}");
    let current = d.stage_id.to_string();
    let amount = d
        .amount_micros
        .map(|m| money(m, &d.currency_code))
        .unwrap_or_else(|| "—".into());
    view! {
        <li
            class="card deal"
            draggable="true"
            data-deal=id.to_string()
            data-position=position
            on:dragstart=move |_| dragged.set(Some(id))
            on:dragover=|ev: DragEvent| ev.prevent_default()
            on:drop=on_drop
        >
            <a class="deal-name" href=format!("/deals/{id}")>{d.name.clone()}</a>
            <p class="company">{d.company_name.clone().unwrap_or_default()}</p>
            <p class="meta">
                <span class="amount">{amount}</span>
                <span class="days">{format!("{} d in stage", d.days_in_stage)}</span>
                {d.priority.map(|p| view! { <span class=format!("priority {}", p.as_str())>{p.as_str()}</span> })}
                {d.stale.then(|| view! { <span class="stale" title="no activity for its stage's threshold">"stale"</span> })}
            </p>
            <ActionForm action=mover attr:class="move">
                <input type="hidden" name="deal" value=id.to_string() />
                <input type="hidden" name="position" value="1000000" />
                <label for=select_id.clone() class="visually-hidden">{format!("Move {} to stage", d.name)}</label>
                <select id=select_id name="stage">
                    {choices.iter().map(|(stage, name)| {
                        let sel = **stage == *current;
                        view! { <option value=stage.clone() selected=sel>{name.clone()}</option> }
                    }).collect_view()}
                </select>
                <button type="submit" class="secondary">"Move"</button>
            </ActionForm>
        </li>
    }
}
