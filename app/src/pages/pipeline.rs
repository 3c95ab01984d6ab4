use std::sync::Arc;

use crate::resource::resource;
use leptos::{ev::DragEvent, prelude::*};
use leptos_meta::Title;
use leptos_router::{hooks::use_query_map, params::ParamsMap};
use uuid::Uuid;

use super::card_html::{select_id, write_card, Escaped, MoveForm};
use crate::{
    components::{closest_data, ErrorNote, Lookup},
    model::{format::money_units, Attention, Board, DealCard, Priority, Stage},
    server_fns::pipeline::{load_board, move_deal, MoveDeal},
};

/// The kanban: one column per stage of the chosen pipeline.
#[component]
pub fn PipelinePage() -> impl IntoView {
    let query = use_query_map();
    let shown = move || {
        let mut q = query.get();
        q.remove("moving");
        q
    };
    let data = resource(shown, |q| {
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
    });
    let q = move |k: &'static str| move || query.get().get(k).unwrap_or_default();
    let moving = move || query.with(|q| q.get("moving")?.parse::<Uuid>().ok());
    view! {
        <Title text="Pipeline" />
        <h1>"Pipeline"</h1>
        <a class="button" href="/deals/new">"New deal"</a>
        <Transition fallback=|| view! { <p>"Loading the board…"</p> }>
            {move || Suspend::new(async move {
                let moving = moving();
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
                            <BoardView board=b query=query.get_untracked() moving />
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

/// The board as it is, with no card's move form open.
fn closed_href(query: &ParamsMap) -> String {
    let mut q = query.clone();
    q.remove("moving");
    format!("/pipeline{}", q.to_query_string())
}

/// The board with the move form of `deal` open: `closed` (see
/// [`closed_href`]) and the deal, written once per card without
/// re-encoding the query.
fn moving_href(closed: &str, deal: Uuid) -> String {
    let sep = if closed.contains('?') { '&' } else { '?' };
    format!("{closed}{sep}moving={deal}")
}

/// The board's links keep its filters and change only the paging.
fn board_href(query: &ParamsMap, set: &[(&'static str, String)]) -> String {
    let mut q = query.clone();
    for key in ["stage", "after", "open", "moving"] {
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
    /// The card whose move form is open.
    moving: Option<Uuid>,
) -> impl IntoView {
    let biggest = board
        .stages
        .iter()
        .map(|s| s.amount_units)
        .max()
        .unwrap_or(0)
        .max(1);
    // The stage list is rendered only for the one form open.
    let options = moving.map(|_| StageOptions::new(&board.stages));
    let closed = closed_href(&query);
    let columns = board
        .stages
        .iter()
        .map(|stage| {
            let id = stage.stage_id;
            let cards: Vec<&DealCard> = board.cards.iter().filter(|c| c.stage_id == id).collect();
            let paging = Paging {
                collapsed: board.collapsed.contains(&id),
                paged: board.paged == Some(id),
                more: board.more.iter().find(|m| m.0 == id).map(|m| {
                    board_href(&query, &[("stage", id.to_string()), ("after", m.1.clone())])
                }),
                open: board_href(&query, &[("open", id.to_string())]),
                first: board_href(&query, &[]),
            };
            let mover = Mover {
                open: moving.filter(|m| cards.iter().any(|c| c.id == *m)),
                options: options
                    .as_ref()
                    .map(|o| o.selecting(id))
                    .unwrap_or_else(|| Arc::from("")),
                closed: closed.clone(),
            };
            let currency = cards
                .first()
                .map(|c| c.currency_code.clone())
                .unwrap_or_else(|| "USD".into());
            let (cards, end) = column_cards(&cards, paging.paged, &mover);
            view! { <Column stage=stage.clone() cards end currency paging biggest /> }
        })
        .collect_view();
    view! {
        <DragBoard closed focus=moving.map(select_id)>
            <div class="board" role="list" aria-label="Stages">{columns}</div>
        </DragBoard>
    }
}

/// The board's columns (rendered on the server) made to move cards: drag
/// one onto a column or before another card, or send a card's move form
/// without leaving the page. Either way the board is loaded again.
#[island]
fn DragBoard(
    /// The board with no move form open.
    closed: String,
    /// The open move form's stage select, focused once the board is shown
    /// (a page loaded with it open has `autofocus`).
    focus: Option<String>,
    children: Children,
) -> impl IntoView {
    Effect::new(move |_| {
        if let Some(id) = focus.clone() {
            request_animation_frame(move || focus_by_id(&id));
        }
    });
    let dragged = RwSignal::new(None::<Uuid>);
    // One set of handlers for every card: a page of 125 cards hydrates
    // without 375 closures.
    let drag_start = move |ev: DragEvent| {
        if let Some(id) = closest_data(&ev, "li[data-deal]", "data-deal") {
            dragged.set(id.parse().ok());
        }
    };
    let reload = closed.clone();
    let drop = move |ev: DragEvent| {
        ev.prevent_default();
        let stage = closest_data(&ev, "section[data-stage]", "data-stage");
        let position = closest_data(&ev, "li[data-position]", "data-position")
            .or_else(|| closest_data(&ev, "section[data-end]", "data-end"));
        let (Some(deal), Some(stage), Some(position)) = (dragged.get_untracked(), stage, position)
        else {
            return;
        };
        dragged.set(None);
        if let (Ok(stage), Ok(position)) = (stage.parse(), position.parse()) {
            moved(
                MoveDeal {
                    deal,
                    stage,
                    position,
                },
                reload.clone(),
            );
        }
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        use leptos::form::FromFormData;
        if let Ok(input) = MoveDeal::from_event(&ev) {
            ev.prevent_default();
            moved(input, closed.clone());
        }
    };
    view! {
        <div
            class="drag-area"
            on:dragstart=drag_start
            on:dragover=|ev: DragEvent| ev.prevent_default()
            on:drop=drop
            on:submit=submit
        >
            {children()}
        </div>
    }
}

/// Moves the deal, then shows the board at `then`.
fn moved(input: MoveDeal, then: String) {
    leptos::task::spawn_local(async move {
        let _ = move_deal(input.deal, input.stage, input.position).await;
        let _ = window().location().replace(&then);
    });
}

fn focus_by_id(id: &str) {
    use leptos::wasm_bindgen::JsCast;
    if let Some(el) = document()
        .get_element_by_id(id)
        .and_then(|el| el.dyn_into::<leptos::web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// The move form's `<option>`s, rendered once per stage (with that stage
/// selected) and shared by every card in it.
struct StageOptions(Vec<(Uuid, Arc<str>)>);

impl StageOptions {
    fn new(stages: &[Stage]) -> Self {
        Self(
            stages
                .iter()
                .map(|current| {
                    let html: String = stages
                        .iter()
                        .map(|s| {
                            let sel = if s.stage_id == current.stage_id {
                                " selected"
                            } else {
                                ""
                            };
                            format!(
                                r#"<option value="{}"{sel}>{}</option>"#,
                                s.stage_id,
                                Escaped(&s.stage_name)
                            )
                        })
                        .collect();
                    (current.stage_id, Arc::from(html))
                })
                .collect(),
        )
    }

    fn selecting(&self, stage: Uuid) -> Arc<str> {
        self.0
            .iter()
            .find(|(id, _)| *id == stage)
            .map(|(_, html)| html.clone())
            .unwrap_or_else(|| Arc::from(""))
    }
}

/// A column's move forms: the one open, its options, and the links that
/// open the others.
struct Mover {
    open: Option<Uuid>,
    /// The move form's options with this column's stage selected.
    options: Arc<str>,
    /// The board with no move form open.
    closed: String,
}

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
    /// The column's cards as HTML (see `card_html`).
    cards: String,
    /// The place a card dropped after the last one takes.
    end: i32,
    currency: String,
    paging: Paging,
    biggest: i64,
) -> impl IntoView {
    let stage_id = stage.stage_id;
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
            data-end=end
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
            <ol class="cards" inner_html=cards></ol>
            {paging.more.clone().map(|href| view! {
                <a class="show-more" href=href>"Show more"</a>
            })}
        </section>
    }
}

/// A column's cards as HTML, and the place after its last card. A card's
/// place is its index on a first page; deeper in, its stored position
/// (positions are renumbered densely by moves).
fn column_cards(cards: &[&DealCard], paged: bool, mover: &Mover) -> (String, i32) {
    let place = |i: usize, card: &DealCard| {
        if paged {
            card.position as i32
        } else {
            i as i32
        }
    };
    let mut html = String::with_capacity(cards.len() * 800);
    for (i, card) in cards.iter().enumerate() {
        let form = if mover.open == Some(card.id) {
            MoveForm::Open {
                options: &mover.options,
                close: &mover.closed,
            }
        } else {
            MoveForm::Link(moving_href(&mover.closed, card.id))
        };
        write_card(&mut html, card, place(i, card), form);
    }
    let end = cards
        .last()
        .map(|c| place(cards.len() - 1, c) + 1)
        .unwrap_or(0);
    (html, end)
}
