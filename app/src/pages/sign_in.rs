use crate::components::{PostForm, Posted};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::server_fns::auth::SignIn;

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = Posted::<SignIn>::new();
    let next = move || use_query_map().get().get("next").unwrap_or_default();
    let error = move || action.value().get().and_then(|r| r.err());
    let field_error = move |f: &'static str| move || error().and_then(|e| e.for_field(f));
    let general = move || {
        error().filter(|e| e.for_field("email").is_none() && e.for_field("password").is_none())
    };
    view! {
        <Title text="Sign in" />
        <section class="card sign-in" aria-labelledby="sign-in-heading">
            <h1 id="sign-in-heading">"Sign in"</h1>
            <PostForm action=action>
                <input type="hidden" name="next" value=next />
                <div class="field">
                    <label for="email">"Email"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required />
                    <p class="field-error" role="alert">{field_error("email")}</p>
                </div>
                <div class="field">
                    <label for="password">"Password"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required />
                    <p class="field-error" role="alert" id="password-error">{field_error("password")}</p>
                </div>
                <p class="error" role="alert">{move || general().map(|e| e.to_string())}</p>
                <button type="submit" id="sign-in">"Sign in"</button>
            </PostForm>
        </section>
    }
}
