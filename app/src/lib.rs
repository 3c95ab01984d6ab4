//! The cockpit: pages, components and server functions. Pages are drawn
//! on the server (`ssr`); the browser build (`hydrate`) runs only the
//! islands (`#[island]`, see [`components`]), Leptos's islands mode.
//! Server-only code lives in [`ssr`], which never reaches the wasm build.

pub mod components;
pub mod model;
pub mod pages;
pub mod resource;
pub mod server_fns;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path, SsrMode,
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
                <HydrationScripts options islands=true />
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
    view! {
        <Stylesheet id="redkey" href="/pkg/redkey.css" />
        <Title formatter=|page: String| format!("{page} · RedKey") />
        <Router>
            <components::ProvideMe>
                <header class="topbar">
                    <A href="/" attr:class="brand">"RedKey"</A>
                    <components::Nav />
                    <components::FrameSearch />
                </header>
                <components::FrameTellArlo />
                <main class="page">
                    <Routes fallback=pages::not_found::NotFound>
                        <Route path=path!("/") view=pages::today::TodayPage ssr=SsrMode::Async />
                        <Route path=path!("/sign-in") view=pages::sign_in::SignInPage ssr=SsrMode::Async />
                        <Route path=path!("/invite/:token") view=pages::invite::InvitePage ssr=SsrMode::Async />
                        <Route path=path!("/pipeline") view=pages::pipeline::PipelinePage ssr=SsrMode::Async />
                        <Route path=path!("/contacts") view=pages::contacts::ContactsPage ssr=SsrMode::Async />
                        <Route path=path!("/contacts/new") view=pages::editing::NewContactPage ssr=SsrMode::Async />
                        <Route path=path!("/companies/new") view=pages::editing::NewCompanyPage ssr=SsrMode::Async />
                        <Route path=path!("/deals/new") view=pages::editing::NewDealPage ssr=SsrMode::Async />
                        <Route path=path!("/contacts/:id") view=pages::contacts::ContactPage ssr=SsrMode::Async />
                        <Route path=path!("/companies") view=pages::tables::CompaniesPage ssr=SsrMode::Async />
                        <Route path=path!("/deals") view=pages::tables::DealsPage ssr=SsrMode::Async />
                        <Route path=path!("/companies/:id") view=pages::records::CompanyPage ssr=SsrMode::Async />
                        <Route path=path!("/deals/:id") view=pages::records::DealPage ssr=SsrMode::Async />
                        <Route path=path!("/activity") view=pages::records::ActivityPage ssr=SsrMode::Async />
                        <Route path=path!("/search") view=pages::search::SearchPage ssr=SsrMode::Async />
                        <Route path=path!("/import") view=pages::imports::ImportPage ssr=SsrMode::Async />
                        <Route path=path!("/import/:id") view=pages::imports::ImportFilePage ssr=SsrMode::Async />
                        <Route path=path!("/todos") view=pages::todos::TodosPage ssr=SsrMode::Async />
                        <Route path=path!("/notes") view=pages::notes::NotesPage ssr=SsrMode::Async />
                        <Route path=path!("/trash") view=pages::trash::TrashPage ssr=SsrMode::Async />
                        <Route path=path!("/coverage") view=pages::coverage::CoveragePage ssr=SsrMode::Async />
                        <Route path=path!("/arlo") view=pages::arlo::ArloPage ssr=SsrMode::Async />
                        <Route path=path!("/suggestions") view=pages::suggestions::SuggestionsPage ssr=SsrMode::Async />
                        <Route path=path!("/settings/pipelines") view=pages::settings::PipelineSettingsPage ssr=SsrMode::Async />
                        <Route path=path!("/settings/members") view=pages::settings::MembersPage ssr=SsrMode::Async />
                        <Route path=path!("/settings/onboarding") view=pages::onboarding::OnboardingPage ssr=SsrMode::Async />
                        <Route path=path!("/settings/profile") view=pages::settings::ProfilePage ssr=SsrMode::Async />
                        <Route path=path!("/settings/sources") view=pages::sources::SourcesPage ssr=SsrMode::Async />
                        <Route path=path!("/settings/integrations") view=pages::integrations::IntegrationsPage ssr=SsrMode::Async />
                        <Route path=path!("/sequences") view=pages::sequences::SequencesPage ssr=SsrMode::Async />
                        <Route path=path!("/sequences/new") view=pages::sequences::SequenceEditPage ssr=SsrMode::Async />
                        <Route path=path!("/sequences/:id") view=pages::sequences::SequenceEditPage ssr=SsrMode::Async />
                    </Routes>
                </main>
            </components::ProvideMe>
        </Router>
        <components::FormPosts />
        <components::Hydrated />
    }
}
