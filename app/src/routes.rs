//! Every page but the sign-in and not-found pages is a lazy route: its code
//! is split out of the first wasm module (`cargo leptos build --split`) and
//! fetched with the page, so the first load carries the frame and one page
//! instead of the whole cockpit (issue 14's first-load budget). On the
//! server a lazy view is an ordinary call, and the split manifest names the
//! page's chunks as preloads in the HTML.
//!
//! A route's data is loaded by its page component, as before; the split only
//! moves the page's code.

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

use crate::pages;

macro_rules! lazy_page {
    ($($route:ident => $page:path),* $(,)?) => {$(
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                $page().into_any()
            }
        }
    )*};
}

lazy_page! {
    Home => pages::home::Home,
    Pipeline => pages::pipeline::PipelinePage,
    Contacts => pages::contacts::ContactsPage,
    Contact => pages::contacts::ContactPage,
    NewContact => pages::editing::NewContactPage,
    NewCompany => pages::editing::NewCompanyPage,
    NewDeal => pages::editing::NewDealPage,
    Companies => pages::records::CompaniesPage,
    Company => pages::records::CompanyPage,
    Deal => pages::records::DealPage,
    Activity => pages::records::ActivityPage,
    Coverage => pages::coverage::CoveragePage,
    Arlo => pages::arlo::ArloPage,
    Suggestions => pages::suggestions::SuggestionsPage,
    Sources => pages::sources::SourcesPage,
    Sequences => pages::sequences::SequencesPage,
    SequenceEdit => pages::sequences::SequenceEditPage,
}
