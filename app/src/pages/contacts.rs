use crate::components::{PostForm, Posted};
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::{
    components::{general_error, ChoiceSelect, ErrorNote, Lookup, PrioritySelect, TextField},
    model::ArchivedKind,
    model::{ContactDetail, ContactFilter, Priority, RecordSort, TableFilter, TableKind},
    pages::tables::{next_href, use_filter, TableTools},
    pages::{
        logging::LogActivityForm,
        panels::{id_param, PanelsState, RecordPanels},
        sequences::SequencesPanel,
        timeline::{before_param, timeline_list},
        trash::ArchiveButton,
    },
    server_fns::{
        contacts::{contacts_page, load_contact, SaveContactStrategy},
        identity::SaveContactIdentity,
        logging::LogActivity,
        sequences::{ChangeEnrollment, EnrollContact, EnrollMany},
        trash::ArchiveRecord,
    },
};

#[component]
pub fn ContactsPage() -> impl IntoView {
    let query = use_query_map();
    let filter = use_filter::<ContactFilter>();
    let enroll_many = Posted::<EnrollMany>::new();
    let data = resource(
        move || (filter.get(), query.get().get("after")),
        |(f, after)| contacts_page(f, after.and_then(|a| a.parse().ok())),
    );
    let canonical = Signal::derive(move || filter.get().query());
    view! {
        <Title text="Contacts" />
        <h1>"Contacts"</h1>
        <a class="button" href="/contacts/new">"New contact"</a>
        <form method="get" class="filters" role="search">
            <label for="q">"Search name, email or company"</label>
            <input id="q" name="q" type="search" value=move || filter.get().q.unwrap_or_default() />
            <label for="priority">"Priority"</label>
            <select id="priority" name="priority">
                <option value="">"Any"</option>
                {Priority::ALL.iter().map(|p| {
                    let sel = move || filter.get().priority == Some(*p);
                    view! { <option value=p.as_str() selected=sel>{p.as_str()}</option> }
                }).collect_view()}
            </select>
            <label class="check">
                <input type="checkbox" name="due" value="1" checked=move || filter.get().due />
                "Recontact due"
            </label>
            <label for="sort">"Sort by"</label>
            <select id="sort" name="sort">
                {RecordSort::ALL.iter().map(|o| {
                    let sel = move || filter.get().sort == *o;
                    view! { <option value=o.as_str() selected=sel>{o.label()}</option> }
                }).collect_view()}
            </select>
            <button type="submit" class="secondary">"Apply"</button>
        </form>
        <Transition fallback=|| view! { <p>"Loading contacts…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(page) => {
                        let next = page
                            .next
                            .map(|after| next_href(TableKind::Contacts, &filter.get_untracked().query(), after));
                        view! {
                            <PostForm action=enroll_many attr:class="bulk">
                                <div class="filters">
                                    <label for="sequence">"Enroll ticked contacts in"</label>
                                    <ChoiceSelect name="sequence" choices=page.sequences />
                                    <button type="submit" class="secondary" id="enroll-many">"Enroll"</button>
                                    <span class="bulk-result" role="status">{move || enroll_many.value().get().map(|r| match r {
                                        Ok(msg) => msg,
                                        Err(e) => e.to_string(),
                                    })}</span>
                                </div>
                            <table class="contacts">
                                <thead><tr>
                                    <th scope="col"><span class="visually-hidden">"Select"</span></th>
                                    <th scope="col">"Name"</th><th scope="col">"Email"</th>
                                    <th scope="col">"Company"</th><th scope="col">"Priority"</th>
                                    <th scope="col">"Last activity"</th>
                                </tr></thead>
                                <tbody inner_html=page.rows_html.0></tbody>
                            </table>
                            </PostForm>
                            {next.map(|href| view! { <a class="next" rel="next" href=href>"Next page →"</a> })}
                        }.into_any()
                    }
                }
            })}
        </Transition>
        <TableTools kind=TableKind::Contacts query=canonical />
    }
}

#[component]
pub fn ContactPage() -> impl IntoView {
    let id = id_param();
    let panels = PanelsState::new("contact", id);
    let save = Posted::<SaveContactStrategy>::new();
    let enroll = Posted::<EnrollContact>::new();
    let change = Posted::<ChangeEnrollment>::new();
    let log = Posted::<LogActivity>::new();
    let identity = Posted::<SaveContactIdentity>::new();
    let before = before_param();
    let data = resource(
        move || (id(), before()),
        |(id, before)| async move {
            load_contact(id.ok_or(crate::model::AppError::NotFound)?, before).await
        },
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => view! { <Title text="Contact" /><ErrorNote error=e /> }.into_any(),
                    Ok(detail) => view! { <ContactView detail save enroll change log identity panels /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ContactView(
    detail: ContactDetail,
    save: Posted<SaveContactStrategy>,
    enroll: Posted<EnrollContact>,
    change: Posted<ChangeEnrollment>,
    log: Posted<LogActivity>,
    identity: Posted<SaveContactIdentity>,
    panels: PanelsState,
) -> impl IntoView {
    let c = detail.contact.clone();
    let deals: Vec<(Uuid, String)> = detail
        .deals
        .iter()
        .map(|d| (d.id, d.name.clone()))
        .collect();
    let name = c.full_name();
    let error = move || save.value().get().and_then(|r| r.err());
    let field_error = move |f: &'static str| move || error().and_then(|e| e.for_field(f));
    let recontact = c
        .recontact_at
        .map(|t| t.date_naive().to_string())
        .unwrap_or_default();
    let provenance = |when: Option<chrono::DateTime<chrono::Utc>>| {
        when.map(|t| format!("by arlo, {}", crate::model::format::utc_minute(t)))
            .unwrap_or_else(|| "not yet".into())
    };
    let archive = Posted::<ArchiveRecord>::new();
    let shown =
        serde_json::to_string(&crate::model::edits::contact_snapshot(&c)).unwrap_or_default();
    let company_label = detail
        .company
        .as_ref()
        .map(|co| co.name.clone())
        .unwrap_or_default();
    let identity_error = Signal::derive(move || identity.value().get().and_then(|r| r.err()));
    let identity_general = move || general_error(identity_error.get());
    view! {
        <Title text=name.clone() />
        <div class="record-head">
            <h1>{name.clone()}</h1>
            <ArchiveButton action=archive kind=ArchivedKind::Contact id=c.id name=name />
        </div>
        <div class="grid">
            <section class="card" aria-labelledby="identity">
                <h2 id="identity">"Identity"</h2>
                <PostForm action=identity attr:class="identity">
                    <input type="hidden" name="id" value=c.id.to_string() />
                    <input type="hidden" name="shown" value=shown />
                    <input type="hidden" name="company_label" value=company_label.clone() />
                    <TextField name="first_name" label="First name" value=c.first_name.clone() error=identity_error />
                    <TextField name="last_name" label="Last name" value=c.last_name.clone() error=identity_error />
                    <TextField name="email" label="Email" kind="email" value=c.email.clone().unwrap_or_default() error=identity_error />
                    <TextField name="phone" label="Phone" kind="tel" value=c.phone.clone().unwrap_or_default() error=identity_error />
                    <TextField name="job_title" label="Job title" value=c.job_title.clone().unwrap_or_default() error=identity_error />
                    <TextField name="city" label="City" value=c.city.clone().unwrap_or_default() error=identity_error />
                    <div class="field">
                        <label for="company">"Company"</label>
                        <Lookup name="company" kind="company" value=company_label placeholder="Type to search" />
                        <p class="field-error" role="alert">{move || identity_error.get().and_then(|e| e.for_field("company"))}</p>
                    </div>
                    <p class="error" role="alert">{identity_general}</p>
                    <button type="submit" id="save-identity">"Save"</button>
                    <p class="saved" role="status">{move || identity.succeeded().then_some("Saved.")}</p>
                </PostForm>
                {detail.company.as_ref().map(|co| view! { <p>"Works at "<a href=format!("/companies/{}", co.id)>{co.name.clone()}</a></p> })}
            </section>
            <section class="card" aria-labelledby="strategy">
                <h2 id="strategy">"Strategy"</h2>
                <PostForm action=save attr:class="strategy">
                    <input type="hidden" name="id" value=c.id.to_string() />
                    <div class="field">
                        <label for="priority">"Priority"</label>
                        <PrioritySelect current=c.priority />
                        <p class="field-error" role="alert">{field_error("priority")}</p>
                    </div>
                    <div class="field">
                        <label for="relationship_note">"Relationship note"</label>
                        <textarea id="relationship_note" name="relationship_note" rows="3">{c.relationship_note.clone().unwrap_or_default()}</textarea>
                    </div>
                    <div class="field">
                        <label for="strategy_note">"Strategy note"</label>
                        <textarea id="strategy_note" name="strategy_note" rows="3">{c.strategy_note.clone().unwrap_or_default()}</textarea>
                    </div>
                    <div class="field">
                        <label for="recontact_on">"Recontact on"</label>
                        <input id="recontact_on" name="recontact_on" type="date" value=recontact />
                        <p class="field-error" role="alert">{field_error("recontact_at")}</p>
                    </div>
                    <button type="submit" id="save-strategy">"Save"</button>
                    <p class="saved" role="status">{move || save.succeeded().then_some("Saved.")}</p>
                </PostForm>
            </section>
            <section class="card operational" aria-labelledby="ops">
                <h2 id="ops">"Maintained by arlo"</h2>
                <p class="hint">"Operational fields are read-only here: arlo keeps them current."</p>
                <dl>
                    <dt>"LinkedIn"</dt><dd data-field="linkedin_url">{c.linkedin_url.clone().unwrap_or_else(|| "—".into())}</dd>
                    <dt>"Enriched"</dt><dd data-field="enriched_at">{provenance(c.enriched_at)}</dd>
                    <dt>"Last activity"</dt><dd data-field="last_activity_at">{provenance(c.last_activity_at)}</dd>
                    <dt>"Email threads"</dt><dd data-field="email_thread_count">{c.email_thread_count}</dd>
                    <dt>"Opens"</dt><dd data-field="open_count">{c.open_count}</dd>
                    <dt>"Sequence step"</dt><dd data-field="sequence_step">{c.sequence_step.map(|s| s.to_string()).unwrap_or_else(|| "—".into())}</dd>
                </dl>
            </section>
            <section class="card" aria-labelledby="deals">
                <h2 id="deals">"Deals"</h2>
                <ul>
                    {detail.deals.iter().map(|d| view! { <li><a href=format!("/deals/{}", d.id)>{d.name.clone()}</a></li> }).collect_view()}
                </ul>
            </section>
            {(!detail.meetings.is_empty()).then(|| view! {
                <section class="card" aria-labelledby="meetings">
                    <h2 id="meetings">"Upcoming meetings"</h2>
                    <ul class="meetings">
                        {detail.meetings.iter().map(|(title, at)| view! {
                            <li><time>{crate::model::format::utc_minute(*at)}</time>" " {title.clone()}</li>
                        }).collect_view()}
                    </ul>
                </section>
            })}
            <SequencesPanel
                contact=c.id
                enrollments=detail.enrollments.clone()
                sequences=detail.sequences.clone()
                suppressed=detail.suppressed
                enroll
                change
            />
        </div>
        <RecordPanels state=panels id=c.id />
        <LogActivityForm action=log on_kind="contact" on_id=c.id deals />
        <section class="card" aria-labelledby="timeline">
            <h2 id="timeline">"Timeline"</h2>
            {timeline_list(detail.timeline, "timeline", String::new())}
        </section>
    }
}
