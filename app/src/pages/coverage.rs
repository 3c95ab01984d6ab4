use leptos::prelude::*;
use leptos_meta::Title;

use crate::components::{use_me, ErrorNote};

/// Which Twenty screens the cockpit has retired, and when.
#[component]
pub fn CoveragePage() -> impl IntoView {
    let me = use_me();
    view! {
        <Title text="Coverage" />
        <h1>"Twenty coverage"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match me.await.and_then(|m| m.ok_or(crate::model::AppError::NotSignedIn)) {
                    Err(e) => view! { <ErrorNote error=e /> }.into_any(),
                    Ok(me) => {
                        let done = me.views.iter().filter(|v| v.in_cockpit()).count();
                        let total = me.views.len();
                        view! {
                            <p class="coverage-summary">
                                {format!("The cockpit serves {done} of {total} Twenty views.")}
                            </p>
                            <div class="meter" role="img" aria-label=format!("{done} of {total} views retired")>
                                <div class="meter-fill" style=format!("width: {}%", done * 100 / total.max(1))></div>
                            </div>
                            <table class="coverage">
                                <thead><tr><th scope="col">"Twenty view"</th><th scope="col">"Served by"</th><th scope="col">"Retired on"</th></tr></thead>
                                <tbody>
                                    {me.views.into_iter().map(|v| {
                                        let served = if v.in_cockpit() { "Cockpit" } else { "Twenty" };
                                        let on = v.retired_on.clone().unwrap_or_else(|| "—".into());
                                        view! {
                                            <tr data-view=v.key.clone()>
                                                <td>{v.label.clone()}</td>
                                                <td class=served.to_lowercase()>{served}</td>
                                                <td>{on}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}
