//! The cockpit: pages, components and server functions, compiled both for
//! the server (`ssr`) and for the browser (`hydrate`). Server-only code lives
//! in [`ssr`], which never reaches the wasm build.

pub mod components;
pub mod model;
pub mod pages;
pub mod resource;
mod routes;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Body, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path, Lazy, SsrMode,
};

/// The HTML document around the app; rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser: the attribute marks a hydrated page
    // (browser tests wait for it before clicking).
    let (hydrated, set_hydrated) = signal(false);
    Effect::new(move |_| set_hydrated.set(true));
    // True while a navigation loads the next page; tests wait for it to
    // settle as a person would.
    let (routing, set_routing) = signal(false);
    view! {
        <Body
            attr:data-hydrated=move || hydrated.get().to_string()
            attr:data-routing=move || routing.get().to_string()
        />
        <Stylesheet id="redkey" href="/pkg/redkey.css" />
        <Title formatter=|page: String| format!("{page} · RedKey") />
        <Router set_is_routing=set_routing>
            <components::ProvideMe>
                <header class="topbar">
                    <A href="/" attr:class="brand">"RedKey"</A>
                    <components::Nav />
                    <components::Palette />
                </header>
                <components::TellArlo />
                <main class="page">
                    <Routes fallback=pages::not_found::NotFound>
                        <Route path=path!("/") view=pages::today::TodayPage ssr=SsrMode::Async />
                        <Route path=path!("/sign-in") view=pages::sign_in::SignInPage ssr=SsrMode::Async />
                        <Route path=path!("/invite/:token") view={Lazy::<routes::Invite>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/pipeline") view=pages::pipeline::PipelinePage ssr=SsrMode::Async />
                        <Route path=path!("/contacts") view={Lazy::<routes::Contacts>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/contacts/new") view={Lazy::<routes::NewContact>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/companies/new") view={Lazy::<routes::NewCompany>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/deals/new") view={Lazy::<routes::NewDeal>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/contacts/:id") view={Lazy::<routes::Contact>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/companies") view={Lazy::<routes::Companies>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/deals") view={Lazy::<routes::Deals>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/companies/:id") view={Lazy::<routes::Company>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/deals/:id") view={Lazy::<routes::Deal>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/activity") view={Lazy::<routes::Activity>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/search") view={Lazy::<routes::Search>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/import") view={Lazy::<routes::Import>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/import/:id") view={Lazy::<routes::ImportFile>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/todos") view={Lazy::<routes::Todos>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/notes") view={Lazy::<routes::Notes>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/trash") view={Lazy::<routes::Trash>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/coverage") view={Lazy::<routes::Coverage>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/arlo") view={Lazy::<routes::Arlo>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/suggestions") view={Lazy::<routes::Suggestions>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/settings/pipelines") view={Lazy::<routes::PipelineSettings>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/settings/members") view={Lazy::<routes::Members>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/settings/onboarding") view={Lazy::<routes::Onboarding>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/settings/profile") view={Lazy::<routes::Profile>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/settings/sources") view={Lazy::<routes::Sources>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/settings/integrations") view={Lazy::<routes::Integrations>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/sequences") view={Lazy::<routes::Sequences>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/sequences/new") view={Lazy::<routes::SequenceEdit>::new()} ssr=SsrMode::Async />
                        <Route path=path!("/sequences/:id") view={Lazy::<routes::SequenceEdit>::new()} ssr=SsrMode::Async />
                    </Routes>
                </main>
            </components::ProvideMe>
        </Router>
    }
}
