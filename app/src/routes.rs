//! Every page but sign-in is a lazy route: its code is split out of the
//! first wasm module (`cargo leptos build --split`) and fetched with the
//! page, so the first load carries the frame and the page's group instead
//! of the whole cockpit (issue 14's first-load budget). On the server a
//! lazy view is an ordinary call, and the split manifest names the group's
//! chunks as preloads in the page's HTML.
//!
//! Pages are split in groups of pages used together, one split point per
//! group. One split point per page made the splitter cut the code the pages
//! share into a chunk per combination of pages: opening the board cold
//! fetched and instantiated 102 modules (1.5 s to hydrated on loopback).
//!
//! A route's data is loaded by its page component, as before; the split only
//! moves the page's code.

use leptos::{lazy, prelude::*};
use leptos_router::LazyRoute;

use crate::pages;

/// Which page of a group to draw; crosses the split point as one byte.
#[derive(Clone, Copy)]
#[repr(u8)]
pub enum Page {
    Pipeline,
    Deal,
    NewDeal,
    Contacts,
    Contact,
    NewContact,
    Companies,
    Company,
    NewCompany,
    Activity,
    Home,
    Arlo,
    Suggestions,
    Coverage,
    Sequences,
    SequenceEdit,
    Sources,
}

/// The board and what is opened from it.
#[lazy]
fn board_pages(page: Page) -> AnyView {
    match page {
        Page::Pipeline => pages::pipeline::PipelinePage().into_any(),
        Page::Deal => pages::records::DealPage().into_any(),
        _ => pages::editing::NewDealPage().into_any(),
    }
}

/// People, companies and what happened with them.
#[lazy]
fn people_pages(page: Page) -> AnyView {
    match page {
        Page::Contacts => pages::contacts::ContactsPage().into_any(),
        Page::Contact => pages::contacts::ContactPage().into_any(),
        Page::NewContact => pages::editing::NewContactPage().into_any(),
        Page::Companies => pages::records::CompaniesPage().into_any(),
        Page::Company => pages::records::CompanyPage().into_any(),
        Page::NewCompany => pages::editing::NewCompanyPage().into_any(),
        _ => pages::records::ActivityPage().into_any(),
    }
}

/// Arlo's own pages.
#[lazy]
fn arlo_pages(page: Page) -> AnyView {
    match page {
        Page::Arlo => pages::arlo::ArloPage().into_any(),
        Page::Suggestions => pages::suggestions::SuggestionsPage().into_any(),
        Page::Coverage => pages::coverage::CoveragePage().into_any(),
        _ => pages::home::Home().into_any(),
    }
}

#[lazy]
fn sequence_pages(page: Page) -> AnyView {
    match page {
        Page::Sequences => pages::sequences::SequencesPage().into_any(),
        _ => pages::sequences::SequenceEditPage().into_any(),
    }
}

#[lazy]
fn settings_pages(_page: Page) -> AnyView {
    pages::sources::SourcesPage().into_any()
}

macro_rules! lazy_page {
    ($($route:ident => $group:ident, $preload:ident;)*) => {$(
        pub struct $route;

        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            async fn view(_this: Self) -> AnyView {
                $group(Page::$route).await
            }

            // Fetches the group's code while the router loads the route.
            async fn preload() {
                #[cfg(target_arch = "wasm32")]
                $preload().await;
            }
        }
    )*};
}

lazy_page! {
    Pipeline => board_pages, __preload_board_pages;
    Deal => board_pages, __preload_board_pages;
    NewDeal => board_pages, __preload_board_pages;
    Contacts => people_pages, __preload_people_pages;
    Contact => people_pages, __preload_people_pages;
    NewContact => people_pages, __preload_people_pages;
    Companies => people_pages, __preload_people_pages;
    Company => people_pages, __preload_people_pages;
    NewCompany => people_pages, __preload_people_pages;
    Activity => people_pages, __preload_people_pages;
    Home => arlo_pages, __preload_arlo_pages;
    Arlo => arlo_pages, __preload_arlo_pages;
    Suggestions => arlo_pages, __preload_arlo_pages;
    Coverage => arlo_pages, __preload_arlo_pages;
    Sequences => sequence_pages, __preload_sequence_pages;
    SequenceEdit => sequence_pages, __preload_sequence_pages;
    Sources => settings_pages, __preload_settings_pages;
}
