//! The companies and deals tables, and what every table has: saved views
//! and a CSV export of what its filters show.

use crate::components::{PostForm, Posted};
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::{
    components::{ChoiceSelect, ErrorNote},
    model::{CompanyFilter, DealFilter, DealSort, Priority, RecordSort, TableFilter, TableKind},
    server_fns::tables::{companies_table, deals_table, views_of, DeleteView, SaveView},
};

/// The table's filters as the URL has them now.
pub fn use_filter<F: TableFilter + Clone + PartialEq + Send + Sync + 'static>() -> Memo<F> {
    let query = use_query_map();
    Memo::new(move |_| {
        let q = query.get();
        F::from_params(&|k| q.get(k))
    })
}

/// The page after `next`, with the same filters.
pub fn next_href(kind: TableKind, query: &str, next: Uuid) -> String {
    let sep = if query.is_empty() { "" } else { "&" };
    format!("{}?{query}{sep}after={next}", kind.path())
}

/// Saved views of a table (links to the table with their filters; the
/// person's own can be deleted), a form saving the current filters under
/// a name, and the CSV export of the current filters.
#[component]
pub fn TableTools(kind: TableKind, query: Signal<String>) -> impl IntoView {
    let save = Posted::<SaveView>::new();
    let delete = Posted::<DeleteView>::new();
    let views = resource(|| (), move |_| views_of(kind));
    let error = move || {
        save.value()
            .get()
            .and_then(|r| r.err())
            .or_else(|| delete.value().get().and_then(|r| r.err()))
            .map(|e| e.to_string())
    };
    view! {
        <section class="table-tools" aria-label="Views and export">
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match views.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(list) if list.is_empty() => ().into_any(),
                        Ok(list) => view! {
                            <nav aria-label="Saved views">
                                <ul class="saved-views">
                                    {list.into_iter().map(|v| {
                                        let label = if v.shared { format!("{} (shared)", v.name) } else { v.name.clone() };
                                        view! {
                                            <li>
                                                <a href=kind.href(&v.query)>{label}</a>
                                                {v.mine.then(|| view! {
                                                    <PostForm action=delete attr:class="inline">
                                                        <input type="hidden" name="id" value=v.id.to_string() />
                                                        <button type="submit" class="link"
                                                            aria-label=format!("Delete view {}", v.name)>"×"</button>
                                                    </PostForm>
                                                })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            </nav>
                        }.into_any(),
                    }
                })}
            </Transition>
            <PostForm action=save attr:class="filters save-view">
                <input type="hidden" name="kind" value=kind.as_str() />
                <input type="hidden" name="query" value=query />
                <label for="view-name">"Save these filters as"</label>
                <input id="view-name" name="name" required maxlength="80" />
                <label class="check">
                    <input type="checkbox" name="shared" value="1" />
                    "Shared with everyone"
                </label>
                <button type="submit" class="secondary">"Save view"</button>
                <a class="button secondary" href=move || kind.export_href(&query.get()) download>
                    "Export CSV"
                </a>
                <a class="button secondary" href="/import">"Import CSV"</a>
                <span class="error" role="alert">{error}</span>
            </PostForm>
        </section>
    }
}

/// A select of closed choices spelled as strings, with "Any" first.
#[component]
fn FilterSelect(
    name: &'static str,
    label: &'static str,
    choices: Vec<(String, String)>,
    current: Option<String>,
) -> impl IntoView {
    view! {
        <label for=name>{label}</label>
        <select id=name name=name>
            <option value="" selected=current.is_none()>"Any"</option>
            {choices.into_iter().map(|(value, text)| {
                let sel = current.as_deref() == Some(value.as_str());
                view! { <option value=value selected=sel>{text}</option> }
            }).collect_view()}
        </select>
    }
}

fn priority_choices() -> Vec<(String, String)> {
    Priority::ALL
        .iter()
        .map(|p| (p.as_str().to_string(), p.as_str().to_string()))
        .collect()
}

#[component]
pub fn CompaniesPage() -> impl IntoView {
    let filter = use_filter::<CompanyFilter>();
    let query = use_query_map();
    let data = resource(
        move || (filter.get(), query.get().get("after")),
        |(f, after)| companies_table(f, after.and_then(|a| a.parse().ok())),
    );
    let canonical = Signal::derive(move || filter.get().query());
    view! {
        <Title text="Companies" />
        <h1>"Companies"</h1>
        <a class="button" href="/companies/new">"New company"</a>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let f = filter.get_untracked();
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(page) => view! {
                        <form method="get" class="filters" role="search">
                            <label for="q">"Search name or domain"</label>
                            <input id="q" name="q" type="search" value=f.q.clone().unwrap_or_default() />
                            <FilterSelect name="priority" label="Priority" choices=priority_choices()
                                current=f.priority.map(|p| p.as_str().to_string()) />
                            <label for="owner">"Account owner"</label>
                            <ChoiceSelect name="owner" choices=page.members.clone() current=f.owner none="Anyone" />
                            <label for="sort">"Sort by"</label>
                            <select id="sort" name="sort">
                                {RecordSort::ALL.iter().map(|o| view! {
                                    <option value=o.as_str() selected=f.sort == *o>{o.label()}</option>
                                }).collect_view()}
                            </select>
                            <button type="submit" class="secondary">"Apply"</button>
                        </form>
                        <table class="companies">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Domain"</th>
                                <th scope="col">"Industry"</th><th scope="col">"Priority"</th>
                                <th scope="col">"Account owner"</th>
                            </tr></thead>
                            <tbody inner_html=page.rows_html.0></tbody>
                        </table>
                        {page.next.map(|id| view! {
                            <a class="next" rel="next" href=next_href(TableKind::Companies, &f.query(), id)>"Next page →"</a>
                        })}
                    }.into_any(),
                }
            })}
        </Transition>
        <TableTools kind=TableKind::Companies query=canonical />
    }
}

#[component]
pub fn DealsPage() -> impl IntoView {
    let filter = use_filter::<DealFilter>();
    let query = use_query_map();
    let data = resource(
        move || (filter.get(), query.get().get("after")),
        |(f, after)| deals_table(f, after.and_then(|a| a.parse().ok())),
    );
    let canonical = Signal::derive(move || filter.get().query());
    view! {
        <Title text="Deals" />
        <h1>"Deals"</h1>
        <p class="actions">
            <a class="button" href="/deals/new">"New deal"</a>
            " "
            <a href="/pipeline">"Board"</a>
        </p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                let f = filter.get_untracked();
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(page) => view! {
                        <form method="get" class="filters" role="search">
                            <label for="q">"Search deal or company"</label>
                            <input id="q" name="q" type="search" value=f.q.clone().unwrap_or_default() />
                            <label for="pipeline">"Pipeline"</label>
                            <ChoiceSelect name="pipeline" choices=page.pipelines.clone() current=f.pipeline none="Any" />
                            <label for="stage">"Stage"</label>
                            <ChoiceSelect name="stage" choices=page.stages.clone() current=f.stage none="Any" />
                            <label for="owner">"Owner"</label>
                            <ChoiceSelect name="owner" choices=page.members.clone() current=f.owner none="Anyone" />
                            <FilterSelect name="priority" label="Priority" choices=priority_choices()
                                current=f.priority.map(|p| p.as_str().to_string()) />
                            <label for="close_from">"Closing from"</label>
                            <input id="close_from" name="close_from" type="date"
                                value=f.close_from.map(|d| d.to_string()).unwrap_or_default() />
                            <label for="close_to">"to"</label>
                            <input id="close_to" name="close_to" type="date"
                                value=f.close_to.map(|d| d.to_string()).unwrap_or_default() />
                            <label for="sort">"Sort by"</label>
                            <select id="sort" name="sort">
                                {DealSort::ALL.iter().map(|o| view! {
                                    <option value=o.as_str() selected=f.sort == *o>{o.label()}</option>
                                }).collect_view()}
                            </select>
                            <button type="submit" class="secondary">"Apply"</button>
                        </form>
                        <table class="deals">
                            <thead><tr>
                                <th scope="col">"Deal"</th><th scope="col">"Stage"</th>
                                <th scope="col">"Company"</th><th scope="col">"Amount"</th>
                                <th scope="col">"Close date"</th><th scope="col">"Owner"</th>
                                <th scope="col">"Priority"</th>
                            </tr></thead>
                            <tbody inner_html=page.rows_html.0></tbody>
                        </table>
                        {page.next.map(|id| view! {
                            <a class="next" rel="next" href=next_href(TableKind::Deals, &f.query(), id)>"Next page →"</a>
                        })}
                    }.into_any(),
                }
            })}
        </Transition>
        <TableTools kind=TableKind::Deals query=canonical />
    }
}
