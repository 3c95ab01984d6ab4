//! The invitation link's page: who is invited where; a new person sets a
//! name and password, someone known just joins. Works without JavaScript.

use crate::components::{PostForm, Posted};
use crate::resource::resource;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::{
    components::{general_error, ErrorNote, TextField},
    server_fns::invitations::{load_invitation, AcceptInvitation},
};

#[component]
pub fn InvitePage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.get().get("token").unwrap_or_default();
    let info = resource(token, load_invitation);
    let accept = Posted::<AcceptInvitation>::new();
    let error = Signal::derive(move || accept.value().get().and_then(|r| r.err()));
    view! {
        <Title text="Join" />
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match info.await {
                    Err(e) => view! {
                        <h1>"Invitation"</h1>
                        <ErrorNote error=e />
                        <p>"This link is used, revoked or expired: ask for a new one."</p>
                    }.into_any(),
                    Ok(inv) => view! {
                        <section class="sign-in">
                            <h1>{format!("Join {}", inv.client_name)}</h1>
                            <p>{format!("You are invited as {}.", inv.email)}</p>
                            <PostForm action=accept>
                                <input type="hidden" name="token" value=token() />
                                {(!inv.known).then(|| view! {
                                    <TextField name="name" label="Your name" required=true error />
                                    <TextField name="password" label="Choose a password (at least 10 characters)"
                                        kind="password" required=true error />
                                })}
                                <p class="error" role="alert">{move || general_error(error.get())}</p>
                                <button type="submit" id="accept-invitation">"Join"</button>
                            </PostForm>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
