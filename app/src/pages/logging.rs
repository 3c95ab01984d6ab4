//! The "Log an activity" form on contact, company and deal pages: a plain
//! form (works without JavaScript); the page reloads its timeline from the
//! action's version.

use crate::components::{PostForm, Posted};
use leptos::prelude::*;
use uuid::Uuid;

use crate::{
    components::{general_error, Lookup},
    server_fns::logging::{LogActivity, HAND_KINDS},
};

#[component]
pub fn LogActivityForm(
    action: Posted<LogActivity>,
    /// `contact`, `company` or `deal`: the page's record.
    on_kind: &'static str,
    on_id: Uuid,
    /// The deals it may concern, as (id, name); none on a deal's page.
    #[prop(optional)]
    deals: Vec<(Uuid, String)>,
) -> impl IntoView {
    let error = Signal::derive(move || action.value().get().and_then(|r| r.err()));
    let for_field = move |f: &'static str| move || error.get().and_then(|e| e.for_field(f));
    let general = move || general_error(error.get());
    let logged = move || action.succeeded().then_some("Logged.");
    view! {
        <section class="card" aria-labelledby="log-heading">
            <h2 id="log-heading">"Log an activity"</h2>
            <PostForm action=action attr:class="log-activity">
                <input type="hidden" name="on_kind" value=on_kind />
                <input type="hidden" name="on_id" value=on_id.to_string() />
                <div class="field">
                    <label for="log-kind">"What"</label>
                    <select id="log-kind" name="kind">
                        {HAND_KINDS.iter().map(|(k, label)| view! { <option value=*k>{*label}</option> }).collect_view()}
                    </select>
                    <p class="field-error" role="alert">{for_field("kind")}</p>
                </div>
                <div class="field">
                    <label for="log-when">"When (empty: now)"</label>
                    <input id="log-when" name="when" type="datetime-local" />
                    <p class="field-error" role="alert">{for_field("when")}</p>
                </div>
                <div class="field">
                    <label for="log-subject">"Subject"</label>
                    <input id="log-subject" name="subject" required maxlength="300" />
                    <p class="field-error" role="alert">{for_field("subject")}</p>
                </div>
                <div class="field">
                    <label for="log-attendees">"Attendees (comma-separated)"</label>
                    <input id="log-attendees" name="attendees" maxlength="2000" />
                </div>
                {(on_kind != "company").then(|| view! { <input type="hidden" name="contact" value="" /> })}
                {(on_kind == "company").then(|| view! {
                    <div class="field">
                        <label for="contact">"Contact"</label>
                        <Lookup name="contact" kind="contact" value="" placeholder="Type to search" />
                        <p class="field-error" role="alert">{for_field("contact")}</p>
                    </div>
                })}
                {(on_kind == "deal").then(|| view! { <input type="hidden" name="deal" value="" /> })}
                {(on_kind != "deal").then(|| view! {
                    <div class="field">
                        <label for="log-deal">"Deal"</label>
                        <select id="log-deal" name="deal">
                            <option value="">"—"</option>
                            {deals.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                        </select>
                        <p class="field-error" role="alert">{for_field("deal")}</p>
                    </div>
                })}
                <div class="field wide">
                    <label for="log-summary">"Summary"</label>
                    <textarea id="log-summary" name="summary" rows="3"></textarea>
                    <p class="field-error" role="alert">{for_field("summary")}</p>
                </div>
                <p class="error" role="alert">{general}</p>
                <button type="submit" id="log-activity">"Log it"</button>
                <p class="saved" role="status">{logged}</p>
            </PostForm>
        </section>
    }
}
