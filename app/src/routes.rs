//! Every page but sign-in is a lazy route: its code is split out of the
//! first wasm module (`cargo leptos build --split`) and fetched with the
//! page, so the first load carries the frame and the page's group instead
//! of the whole cockpit (issue 14's first-load budget). On the server a
//! lazy view is an ordinary call, and the split manifest names the group's
//! chunks as preloads in the page's HTML. A new page joins a group here.
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

use crate::pages::{
    arlo, contacts, coverage, editing, home, imports, invite, notes, pipeline, records, search,
    sequences, settings, sources, suggestions, tables, todos, trash,
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
                        $group(Page::$route).await
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

groups! {
    /// The board and what is opened from it.
    board_pages, __preload_board_pages {
        Pipeline => pipeline::PipelinePage,
        Deals => tables::DealsPage,
        Deal => records::DealPage,
        NewDeal => editing::NewDealPage,
    }
    /// People, companies and what happened with them.
    people_pages, __preload_people_pages {
        Contacts => contacts::ContactsPage,
        Contact => contacts::ContactPage,
        NewContact => editing::NewContactPage,
        Companies => tables::CompaniesPage,
        Company => records::CompanyPage,
        NewCompany => editing::NewCompanyPage,
        Activity => records::ActivityPage,
    }
    /// Arlo's own pages, and home.
    arlo_pages, __preload_arlo_pages {
        Home => home::Home,
        Arlo => arlo::ArloPage,
        Suggestions => suggestions::SuggestionsPage,
        Coverage => coverage::CoveragePage,
    }
    sequence_pages, __preload_sequence_pages {
        Sequences => sequences::SequencesPage,
        SequenceEdit => sequences::SequenceEditPage,
    }
    /// Lists across records: to-dos, notes, the trash, search.
    work_pages, __preload_work_pages {
        Todos => todos::TodosPage,
        Notes => notes::NotesPage,
        Trash => trash::TrashPage,
        Search => search::SearchPage,
    }
    import_pages, __preload_import_pages {
        Import => imports::ImportPage,
        ImportFile => imports::ImportFilePage,
    }
    /// Settings, and joining a client.
    settings_pages, __preload_settings_pages {
        PipelineSettings => settings::PipelineSettingsPage,
        Members => settings::MembersPage,
        Profile => settings::ProfilePage,
        Sources => sources::SourcesPage,
        Invite => invite::InvitePage,
    }
}
