//! Today, the cockpit's home: what needs the founder now (arlo's
//! suggestions, new replies, meetings, recontacts, deals needing
//! attention, to-dos), then how the client is doing, drawn.

use crate::components::Posted;
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;

#[cfg(feature = "ssr")]
use crate::components::charts::{BarChart, Series};
#[cfg(feature = "ssr")]
use crate::model::TodayCharts;
use crate::{
    components::{record_href, ErrorNote},
    model::{RecordKind, Today},
    pages::suggestions::Item as SuggestionItem,
    server_fns::{judgment::DecideSuggestion, today::load_today},
};

#[component]
pub fn TodayPage() -> impl IntoView {
    let decide = Posted::<DecideSuggestion>::new();
    let data = resource(|| (), |_| load_today());
    view! {
        <Title text="Today" />
        <h1>"Today"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(p) => {
                        let t = p.today;
                        view! {
                            {view! { <Needs t decide /> }.into_any()}
                            <section class="today-doing" aria-labelledby="doing-h" inner_html=p.charts_html.0></section>
                        }
                        .into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// One list of what needs the founder, with a link to all of its kind.
#[component]
fn Panel(
    id: &'static str,
    title: String,
    all: &'static str,
    empty: &'static str,
    count: usize,
    children: Children,
) -> impl IntoView {
    let (heading, labelled) = (format!("{id}-h"), format!("{id}-h"));
    view! {
        <section class="card today-panel" id=id aria-labelledby=labelled>
            <h2 id=heading>{title}</h2>
            {if count == 0 {
                view! { <p class="empty">{empty}</p> }.into_any()
            } else {
                children().into_any()
            }}
            <p class="all"><a href=all>"All"</a></p>
        </section>
    }
}

#[component]
fn Needs(t: Today, decide: Posted<DecideSuggestion>) -> impl IntoView {
    let since = crate::model::format::utc_minute(t.replies_since);
    view! {
        <h2 class="today-heading">"What needs you"</h2>
        <div class="today-needs">
            <Panel id="suggestions" title="Arlo suggests".into() all="/suggestions"
                   empty="Nothing waiting for a yes or no." count=t.suggestions.len()>
                <ul class="suggestions">
                    {t.suggestions.iter().cloned().map(|s| view! { <SuggestionItem s decide /> }).collect_view()}
                </ul>
            </Panel>
            <Panel id="replies" title=format!("Replies since {since}") all="/activity?kind=email_replied"
                   empty="No new replies." count=t.replies.len()>
                <ul class="replies">
                    {t.replies.iter().map(|r| {
                        let href = r.contact_id.map(|id| record_href(RecordKind::Contact, id)).unwrap_or_default();
                        view! {
                            <li>
                                <a href=href>{r.who.clone()}</a>
                                {r.sequence.clone().map(|s| view! { " · " <span class="sequence">{s}</span> })}
                                <q>{r.line.clone()}</q>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Panel>
            <Panel id="meetings" title="Meetings today and tomorrow".into() all="/activity?kind=meeting"
                   empty="No meetings today or tomorrow." count=t.meetings.len()>
                <ul class="meetings">
                    {t.meetings.iter().map(|m| {
                        let href = m.contact_id.map(|id| record_href(RecordKind::Contact, id))
                            .or(m.deal_id.map(|id| record_href(RecordKind::Deal, id)))
                            .unwrap_or_else(|| "/activity?kind=meeting".into());
                        view! {
                            <li>
                                <time>{crate::model::format::utc_weekday_time(m.happens_at)}</time>" "
                                <a href=href>{m.subject.clone().unwrap_or_else(|| "Meeting".into())}</a>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Panel>
            <Panel id="recontacts" title="Recontact today".into() all="/contacts?due=1"
                   empty="Nobody to recontact today." count=t.recontacts.len()>
                <ul class="recontacts">
                    {t.recontacts.iter().map(|r| view! {
                        <li><a href=record_href(r.kind, r.id)>{r.label.clone()}</a>" "<span class="muted">{r.detail.clone()}</span></li>
                    }).collect_view()}
                </ul>
            </Panel>
            <Panel id="attention" title="Deals needing attention".into() all="/pipeline"
                   empty="Every open deal is in hand." count=t.attention.len()>
                <ul class="attention">
                    {t.attention.iter().map(|a| {
                        let why = [(a.stale, "quiet"), (a.overdue, "past its close date"), (a.no_recontact, "no recontact date")]
                            .iter().filter(|(on, _)| *on).map(|(_, w)| *w).collect::<Vec<_>>().join(", ");
                        view! {
                            <li>
                                <a href=record_href(RecordKind::Deal, a.deal_id)>{a.name.clone()}</a>
                                " · "{a.stage_name.clone()}" · "{format!("{} days idle", a.idle_days)}
                                <span class="muted">" ("{why}")"</span>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </Panel>
            <Panel id="todos" title="To-dos due".into() all="/todos"
                   empty="No to-dos due today." count=t.todos.len()>
                <ul class="todos">
                    {t.todos.iter().map(|d| view! {
                        <li class:overdue=d.overdue>
                            {d.todo.title.clone()}" "
                            <span class="muted">{d.due_on.map(|x| x.to_string()).unwrap_or_default()}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </Panel>
        </div>
    }
}

/// "How we are doing", drawn on the server and sent as HTML: the page sets
/// it as the section's content.
#[cfg(feature = "ssr")]
pub fn charts_html(c: TodayCharts) -> String {
    Owner::new().with(|| view! { <Doing c /> }.to_html())
}

#[cfg(feature = "ssr")]
#[component]
fn Doing(c: TodayCharts) -> impl IntoView {
    let month = |d: &chrono::NaiveDate| d.format("%b %y").to_string();
    let funnels = c
        .funnels
        .iter()
        .map(|s| {
            view! {
                <BarChart
                    id=format!("chart-funnel-{}", s.id)
                    title=format!("Sequence “{}”", s.name)
                    desc=format!(
                        "{} enrolled, {} emails sent, {} opened, {} replied.",
                        s.enrolled, s.sent, s.opened, s.replied
                    )
                    labels=vec!["Enrolled".into(), "Sent".into(), "Opened".into(), "Replied".into()]
                    series=vec![Series {
                        name: "People",
                        class: "sent",
                        values: vec![s.enrolled, s.sent, s.opened, s.replied],
                    }]
                />
            }
        })
        .collect_view();
    let won_total: i64 = c.closed.iter().map(|m| m.won_units).sum();
    let lost_total: i64 = c.closed.iter().map(|m| m.lost_units).sum();
    view! {
        <h2 class="today-heading" id="doing-h">"How we are doing"</h2>
        <div class="today-charts">
            <BarChart
                id="chart-stages".into()
                title="Pipeline value by stage".into()
                desc=format!("The open deals' total and weighted value in each stage now, across {} stages.", c.stages.len())
                labels=c.stages.iter().map(|s| s.stage_name.clone()).collect()
                series=vec![
                    Series { name: "Value", class: "value", values: c.stages.iter().map(|s| s.amount_units).collect() },
                    Series { name: "Weighted", class: "weighted", values: c.stages.iter().map(|s| s.weighted_units).collect() },
                ]
            />
            <BarChart
                id="chart-forecast".into()
                title="Weighted forecast by expected close month".into()
                desc="Open deals' value times their stage's probability, by the month they are expected to close, for the next six months.".into()
                labels=c.forecast.iter().map(|m| month(&m.month)).collect()
                notes=c.forecast.iter().map(|m| format!("{} deals", m.deals)).collect()
                series=vec![Series { name: "Weighted", class: "weighted", values: c.forecast.iter().map(|m| m.weighted_units).collect() }]
            />
            <BarChart
                id="chart-closed".into()
                title="Won and lost per month".into()
                desc=format!("The value of deals that entered a won or a lost stage each month over the last twelve: {won_total} won, {lost_total} lost.")
                labels=c.closed.iter().map(|m| month(&m.month)).collect()
                notes=c.closed.iter().map(|m| m.win_rate().map(|r| format!("{r}%")).unwrap_or_default()).collect()
                series=vec![
                    Series { name: "Won", class: "won", values: c.closed.iter().map(|m| m.won_units).collect() },
                    Series { name: "Lost", class: "lost", values: c.closed.iter().map(|m| m.lost_units).collect() },
                ]
            />
            <BarChart
                id="chart-activity".into()
                title="Activity per week".into()
                desc="Emails sent, replies received and meetings held in each of the last twelve weeks.".into()
                labels=c.weeks.iter().map(|w| w.week.format("%d %b").to_string()).collect()
                series=vec![
                    Series { name: "Emails sent", class: "sent", values: c.weeks.iter().map(|w| w.sent).collect() },
                    Series { name: "Replies", class: "replies", values: c.weeks.iter().map(|w| w.replies).collect() },
                    Series { name: "Meetings", class: "meetings", values: c.weeks.iter().map(|w| w.meetings).collect() },
                ]
            />
            {funnels}
        </div>
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;
    use crate::model::{SequenceMetrics, SequenceStatus};

    /// The charts reach the page as HTML set as a section's content, so a
    /// name a user typed must arrive escaped.
    #[test]
    fn charts_html_escapes_what_users_named() {
        let name = "<img src=x onerror=alert(1)>&\"";
        let charts = TodayCharts {
            stages: vec![],
            forecast: vec![],
            closed: vec![],
            weeks: vec![],
            funnels: vec![SequenceMetrics {
                id: uuid::Uuid::nil(),
                name: name.into(),
                status: SequenceStatus::Active,
                steps: 3,
                enrolled: 12,
                active: 4,
                sent: 30,
                opened: 9,
                clicked: 2,
                replied: 3,
                bounced: 0,
                unsubscribed: 1,
            }],
        };
        let html = charts_html(charts);
        assert!(
            html.contains("id=\"chart-funnel-00000000-0000-0000-0000-000000000000\""),
            "{html}"
        );
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;&amp;"),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("12 enrolled, 30 emails sent, 9 opened, 3 replied."),
            "{html}"
        );
    }
}
