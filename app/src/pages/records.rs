//! Companies, the deal page and the activity feed.

use crate::components::{PostForm, Posted, Refresh};
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::{
    components::{general_error, ChoiceSelect, ErrorNote, Lookup, PrioritySelect, TextField},
    model::{
        format::{money, urlencode},
        AppError, ArchivedKind, DealDetail, ACTIVITY_KINDS,
    },
    pages::{
        logging::LogActivityForm,
        panels::{id_param, PanelsState, RecordPanels},
        timeline::{before_param, timeline_list},
        trash::ArchiveButton,
    },
    server_fns::records::{activity_feed, load_company, load_deal, SaveDealStrategy},
    server_fns::{
        identity::{SaveCompany, SaveDealIdentity},
        logging::LogActivity,
        trash::ArchiveRecord,
    },
};

#[component]
pub fn CompanyPage() -> impl IntoView {
    let id = id_param();
    let panels = PanelsState::new("company", id);
    let log = Posted::<LogActivity>::new();
    let archive = Posted::<ArchiveRecord>::new();
    let save = Posted::<SaveCompany>::new();
    let save_error = Signal::derive(move || save.value().get().and_then(|r| r.err()));
    let before = before_param();
    let data = resource(
        move || (id(), before()),
        |(id, before)| async move { load_company(id.ok_or(AppError::NotFound)?, before).await },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <Title text="Company" /><ErrorNote error=e /> }.into_any(),
                    Ok(d) => {
                        let c = d.company;
                        let shown = serde_json::to_string(&crate::model::edits::company_snapshot(&c)).unwrap_or_default();
                        // The whole list is a search for the company's name.
                        let all = |path: &str| format!("{path}?q={}", urlencode(&c.name));
                        let (all_people, all_deals) = (all("/contacts"), all("/deals"));
                        view! {
                            <Title text=c.name.clone() />
                            <div class="record-head">
                                <h1>{c.name.clone()}</h1>
                                <ArchiveButton action=archive kind=ArchivedKind::Company id=c.id name=c.name.clone() />
                            </div>
                            <div class="grid">
                                <section class="card" aria-labelledby="facts">
                                    <h2 id="facts">"Company"</h2>
                                    <PostForm action=save attr:class="identity">
                                        <input type="hidden" name="id" value=c.id.to_string() />
                                        <input type="hidden" name="shown" value=shown />
                                        <TextField name="name" label="Name" required=true value=c.name.clone() error=save_error />
                                        <TextField name="domain" label="Domain" value=c.domain.clone().unwrap_or_default() error=save_error />
                                        <div class="field">
                                            <label for="priority">"Priority"</label>
                                            <PrioritySelect current=c.priority />
                                            <p class="field-error" role="alert">{move || save_error.get().and_then(|e| e.for_field("priority"))}</p>
                                        </div>
                                        <div class="field">
                                            <label for="strategy_note">"Strategy note"</label>
                                            <textarea id="strategy_note" name="strategy_note" rows="3">{c.strategy_note.clone().unwrap_or_default()}</textarea>
                                            <p class="field-error" role="alert">{move || save_error.get().and_then(|e| e.for_field("strategy_note"))}</p>
                                        </div>
                                        <div class="field">
                                            <label for="account_owner">"Account owner"</label>
                                            <ChoiceSelect name="account_owner" choices=d.members.clone() current=c.account_owner_id />
                                            <p class="field-error" role="alert">{move || save_error.get().and_then(|e| e.for_field("account_owner"))}</p>
                                        </div>
                                        <p class="error" role="alert">{move || general_error(save_error.get())}</p>
                                        <button type="submit" id="save-company">"Save"</button>
                                        <p class="saved" role="status">{move || save.succeeded().then_some("Saved.")}</p>
                                    </PostForm>
                                </section>
                                <section class="card operational" aria-labelledby="enrichment">
                                    <h2 id="enrichment">"Maintained by arlo"</h2>
                                    <dl>
                                        <dt>"Industry"</dt><dd>{c.industry.clone().unwrap_or_else(|| "—".into())}</dd>
                                        <dt>"Size"</dt><dd>{c.company_size.clone().unwrap_or_else(|| "—".into())}</dd>
                                        <dt>"Employees"</dt><dd>{c.employees.map(|e| e.to_string()).unwrap_or_else(|| "—".into())}</dd>
                                    </dl>
                                </section>
                            </div>
                            <section class="card" aria-labelledby="people">
                                <h2 id="people">"People"</h2>
                                <ul class="people">
                                    {d.people.into_iter().map(|p| view! {
                                        <li><a href=format!("/contacts/{}", p.id)>{p.name}</a>" — "{p.job_title.unwrap_or_default()}</li>
                                    }).collect_view()}
                                </ul>
                                {d.more_people.then(|| view! { <a class="more" href=all_people>"More people"</a> })}
                            </section>
                            <RecordPanels state=panels id=c.id />
                            <LogActivityForm action=log on_kind="company" on_id=c.id deals=d.deals.clone() />
                            <section class="card" aria-labelledby="company-timeline">
                                <h2 id="company-timeline">"Timeline"</h2>
                                {timeline_list(d.timeline, "timeline", String::new())}
                            </section>
                            <section class="card" aria-labelledby="company-deals">
                                <h2 id="company-deals">"Deals"</h2>
                                <ul class="deals">
                                    {d.deals.into_iter().map(|(id, name)| view! {
                                        <li><a href=format!("/deals/{id}")>{name}</a></li>
                                    }).collect_view()}
                                </ul>
                                {d.more_deals.then(|| view! { <a class="more" href=all_deals>"More deals"</a> })}
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
pub fn DealPage() -> impl IntoView {
    let id = id_param();
    let panels = PanelsState::new("deal", id);
    let save = Posted::<SaveDealStrategy>::new();
    let log = Posted::<LogActivity>::new();
    let identity = Posted::<SaveDealIdentity>::new();
    let before = before_param();
    let data = resource(
        move || (id(), before()),
        |(id, before)| async move { load_deal(id.ok_or(AppError::NotFound)?, before).await },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <Title text="Deal" /><ErrorNote error=e /> }.into_any(),
                    Ok(d) => view! { <DealView detail=d save log identity panels /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn DealView(
    detail: DealDetail,
    save: Posted<SaveDealStrategy>,
    log: Posted<LogActivity>,
    identity: Posted<SaveDealIdentity>,
    panels: PanelsState,
) -> impl IntoView {
    let d = detail.deal.clone();
    let archive = Posted::<ArchiveRecord>::new();
    let shown = serde_json::to_string(&crate::model::edits::deal_snapshot(&d)).unwrap_or_default();
    let contact_label = detail
        .contact
        .as_ref()
        .map(|c| match &c.email {
            Some(e) => format!("{} <{e}>", c.full_name()),
            None => c.full_name(),
        })
        .unwrap_or_default();
    let company_label = detail
        .company
        .as_ref()
        .map(|c| c.name.clone())
        .unwrap_or_default();
    let identity_error = Signal::derive(move || identity.value().get().and_then(|r| r.err()));
    let error = move || save.value().get().and_then(|r| r.err());
    let field_error = move |f: &'static str| move || error().and_then(|e| e.for_field(f));
    let amount = d
        .amount_micros
        .map(|m| format!("{}", m as f64 / 1_000_000.0))
        .unwrap_or_default();
    view! {
        <Title text=d.name.clone() />
        <div class="record-head">
            <h1>{d.name.clone()}</h1>
            <ArchiveButton action=archive kind=ArchivedKind::Deal id=d.id name=d.name.clone() />
        </div>
        <p class="deal-facts">
            <span class="stage">{detail.stage_name.clone()}</span>
            " · "{d.amount_micros.map(|m| money(m, &d.currency_code)).unwrap_or_else(|| "no amount".into())}
            {detail.company.as_ref().map(|c| view! { " · "<a href=format!("/companies/{}", c.id)>{c.name.clone()}</a> })}
            {detail.contact.as_ref().map(|c| view! { " · "<a href=format!("/contacts/{}", c.id)>{c.full_name()}</a> })}
        </p>
        <section class="card" aria-labelledby="deal-identity">
            <h2 id="deal-identity">"Deal"</h2>
            <PostForm action=identity attr:class="identity">
                <input type="hidden" name="id" value=d.id.to_string() />
                <input type="hidden" name="shown" value=shown />
                <input type="hidden" name="contact_label" value=contact_label.clone() />
                <input type="hidden" name="company_label" value=company_label.clone() />
                <TextField name="name" label="Name" required=true value=d.name.clone() error=identity_error />
                <div class="field">
                    <label for="contact">"Contact"</label>
                    <Lookup name="contact" kind="contact" value=contact_label placeholder="Type to search" />
                    <p class="field-error" role="alert">{move || identity_error.get().and_then(|e| e.for_field("contact"))}</p>
                </div>
                <div class="field">
                    <label for="company">"Company"</label>
                    <Lookup name="company" kind="company" value=company_label placeholder="Type to search" />
                    <p class="field-error" role="alert">{move || identity_error.get().and_then(|e| e.for_field("company"))}</p>
                </div>
                <p class="error" role="alert">{move || general_error(identity_error.get())}</p>
                <button type="submit" id="save-deal-identity">"Save"</button>
                <p class="saved" role="status">{move || identity.succeeded().then_some("Saved.")}</p>
            </PostForm>
        </section>
        <section class="card" aria-labelledby="deal-strategy">
            <h2 id="deal-strategy">"Strategy"</h2>
            <PostForm action=save attr:class="strategy">
                <input type="hidden" name="id" value=d.id.to_string() />
                <div class="field">
                    <label for="priority">"Priority"</label>
                    <PrioritySelect current=d.priority />
                </div>
                <div class="field">
                    <label for="amount">{format!("Amount ({})", d.currency_code)}</label>
                    <input id="amount" name="amount" inputmode="decimal" value=amount />
                    <p class="field-error" role="alert" id="amount-error">{field_error("amount")}</p>
                </div>
                <div class="field">
                    <label for="close_date">"Close date"</label>
                    <input id="close_date" name="close_date" type="date" value=d.close_date.map(|c| c.to_string()).unwrap_or_default() />
                    <p class="field-error" role="alert">{field_error("close_date")}</p>
                </div>
                <div class="field">
                    <label for="owner">"Owner"</label>
                    <ChoiceSelect name="owner" choices=detail.members.clone() current=d.owner_id />
                    <p class="field-error" role="alert">{field_error("owner")}</p>
                </div>
                <div class="field">
                    <label for="recontact_on">"Recontact on"</label>
                    <input id="recontact_on" name="recontact_on" type="date" value=d.recontact_at.map(|t| t.date_naive().to_string()).unwrap_or_default() />
                    <p class="field-error" role="alert">{field_error("recontact_at")}</p>
                </div>
                <div class="field">
                    <label for="strategy_note">"Strategy note"</label>
                    <textarea id="strategy_note" name="strategy_note" rows="3">{d.strategy_note.clone().unwrap_or_default()}</textarea>
                </div>
                <button type="submit" id="save-deal">"Save"</button>
                <p class="saved" role="status">{move || save.succeeded().then_some("Saved.")}</p>
            </PostForm>
        </section>
        <RecordPanels state=panels id=d.id />
        <LogActivityForm action=log on_kind="deal" on_id=d.id />
        <section class="card" aria-labelledby="deal-timeline">
            <h2 id="deal-timeline">"Timeline"</h2>
            {timeline_list(detail.timeline, "timeline", String::new())}
        </section>
    }
}

/// All of the client's activity, newest first; refreshes itself every few
/// seconds in the browser so new items appear without a reload.
#[component]
pub fn ActivityPage() -> impl IntoView {
    let query = use_query_map();
    let kind = move || {
        query
            .get()
            .get("kind")
            .filter(|k| ACTIVITY_KINDS.contains(&k.as_str()))
    };
    let before = move || query.get().get("before");
    let data = resource(
        move || (kind(), before()),
        |(kind, before)| activity_feed(kind, before),
    );
    view! {
        <Title text="Activity" />
        <h1>"Activity"</h1>
        <form method="get" class="filters" aria-label="Filter activity">
            <label for="kind">"Type"</label>
            <select id="kind" name="kind">
                <option value="">"All"</option>
                {ACTIVITY_KINDS.iter().map(|k| {
                    let k: &'static str = k;
                    view! { <option value=k selected=move || kind().as_deref() == Some(k)>{k.replace('_', " ")}</option> }
                }).collect_view()}
            </select>
            <button type="submit" class="secondary">"Filter"</button>
        </form>
        <div id="activity-feed">
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                        Ok(feed) => {
                            // The filter the page was read with: the paging links keep it.
                            let keep = untrack(kind).map(|k| format!("kind={k}")).unwrap_or_default();
                            timeline_list(feed, "timeline feed", keep).into_any()
                        }
                    }
                })}
            </Transition>
        </div>
        <Refresh id="activity-feed" every_ms=5000 />
    }
}
