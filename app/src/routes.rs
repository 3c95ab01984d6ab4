//! Sign-in, Today and the board are in the first wasm module; every other
//! page is a lazy route: its code is split out of that module (`cargo
//! leptos build --split`) and fetched with the page, so a first load
//! carries the frame and the page's group instead of the whole cockpit
//! (issue 14's first-load budget). On the server a lazy view is an
//! ordinary call, and the split manifest names the group's chunks as
//! preloads in the page's HTML. A new page joins a group here.
//!
//! Pages are split in groups of pages used together, one split point per
//! group. One split point per page made the splitter cut the code the pages
//! share into a chunk per combination of pages: opening the board cold
//! fetched and instantiated 102 modules (1.5 s to hydrated on loopback).
//! Fewer split points mean fewer modules a page: with Today and the board
//! as groups of their own, each fetched 22–23 files and took 290–350 ms to
//! hydrate on loopback; in the first module (394.6 KB gzipped, within the
//! 400 KB budget) each is one file and 250–290 ms, and the other groups
//! fetch 9 files instead of 25–31 (BENCHMARKS.md, session 44). The first
//! module has 5 KB of that budget left: a new page goes into a group.
//!
//! A route's data is loaded by its page component, as before; the split only
//! moves the page's code.

use leptos::{lazy, prelude::*};
use leptos_router::LazyRoute;

use crate::pages::{
    arlo, contacts, coverage, editing, imports, integrations, invite, notes, onboarding, records,
    search, sequences, settings, sources, suggestions, tables, todos, trash,
};

/// One split point per group, and one lazy route per page; the route
/// names its group's page by `Page`, which crosses the split as one byte.
macro_rules! groups {
    ($(
        $(#[$doc:meta])*
        $group:ident, $preload:ident { $($route:ident => $view:path,)* }
    )*) => {
        #[derive(Clone, Copy)]
        #[repr(u8)]
        pub enum Page {
            $($($route,)*)*
        }

        $(
            $(#[$doc])*
            #[lazy]
            fn $group(page: Page) -> AnyView {
                match page {
                    $(Page::$route => $view().into_any(),)*
                    #[allow(unreachable_patterns)]
                    _ => unreachable!("a page of another group"),
                }
            }

            $(
                pub struct $route;

                impl LazyRoute for $route {
                    fn data() -> Self {
                        Self
                    }

                    async fn view(_this: Self) -> AnyView {
                        let view = $group(Page::$route).await;
                        #[cfg(feature = "ssr")]
                        preload_chunks(stringify!($group));
                        view
                    }

                    // Fetches the group's code while the router loads the route.
                    async fn preload() {
                        #[cfg(target_arch = "wasm32")]
                        $preload().await;
                    }
                }
            )*
        )*
    };
}

/// Names the group's chunks in the page's head, so a cold load fetches them
/// beside the main module instead of after it.
///
/// Leptos does this itself after the render, but reads the split manifest
/// from whatever reactive owner the worker thread last had: measured, a
/// page named its chunks in anywhere from none to all of six loads.
/// Here, inside the page's own render, the manifest is always in reach;
/// taking the group out of Leptos's list keeps the links from doubling.
#[cfg(feature = "ssr")]
fn preload_chunks(group: &str) {
    use leptos_meta::Link;

    let Some(manifest) = use_context::<leptos::WasmSplitManifest>() else {
        return;
    };
    let Some(manifest) = manifest.0.try_read_value() else {
        return;
    };
    let (pkg, chunks, loader) = &*manifest;
    // The split point is the group's name and a hash of where it was declared.
    let ours = |key: &str| {
        key.strip_prefix(group).is_some_and(|rest| {
            rest.starts_with('_') && rest[1..].bytes().all(|b| b.is_ascii_digit())
        })
    };
    let Some((key, chunks)) = chunks.iter().find(|(key, _)| ours(key)) else {
        return;
    };
    if let Some(listed) = use_context::<leptos::PrefetchLazyFn>() {
        listed.0.update_value(|names| {
            names.remove(key.as_str());
        });
    }
    // Registered with the page's head, like every leptos_meta tag on the
    // server; nothing of it is hydrated.
    for chunk in chunks {
        let _ = view! {
            <Link rel="preload" href=format!("{pkg}/{chunk}.wasm") as_="fetch" type_="application/wasm" crossorigin="anonymous" />
        }
        .to_html();
    }
    let _ = view! { <Link rel="modulepreload" href=format!("{pkg}/{loader}") crossorigin="anonymous" /> }.to_html();
}

groups! {
    /// Deals, people and companies (their tables, pages and forms), what
    /// happened with them, and the lists across records: to-dos, notes,
    /// the trash, search.
    people_pages, __preload_people_pages {
        Deals => tables::DealsPage,
        Deal => records::DealPage,
        NewDeal => editing::NewDealPage,
        Contacts => contacts::ContactsPage,
        Contact => contacts::ContactPage,
        NewContact => editing::NewContactPage,
        Companies => tables::CompaniesPage,
        Company => records::CompanyPage,
        NewCompany => editing::NewCompanyPage,
        Activity => records::ActivityPage,
        Todos => todos::TodosPage,
        Notes => notes::NotesPage,
        Trash => trash::TrashPage,
        Search => search::SearchPage,
    }
    /// Arlo's own pages and the sequences he sends.
    arlo_pages, __preload_arlo_pages {
        Arlo => arlo::ArloPage,
        Suggestions => suggestions::SuggestionsPage,
        Coverage => coverage::CoveragePage,
        Sequences => sequences::SequencesPage,
        SequenceEdit => sequences::SequenceEditPage,
    }
    /// Settings, bringing data in, and joining a client.
    settings_pages, __preload_settings_pages {
        PipelineSettings => settings::PipelineSettingsPage,
        Members => settings::MembersPage,
        Onboarding => onboarding::OnboardingPage,
        Profile => settings::ProfilePage,
        Sources => sources::SourcesPage,
        Integrations => integrations::IntegrationsPage,
        Import => imports::ImportPage,
        ImportFile => imports::ImportFilePage,
        Invite => invite::InvitePage,
    }
}
