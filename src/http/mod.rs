//! The HTTP surface: the router and its shared state, and the routes that
//! are not cockpit pages (health, the agents' API, provider webhooks,
//! unsubscribe). Pages and server functions come from the `app` crate.

pub mod api;
mod archive;
pub mod errors;
mod export;
mod files;
mod form_posts;
pub mod guard;
pub mod health;
mod hosts;
mod import;
pub mod ingest;
mod limits;
mod mail_oauth;
mod mcp;
mod router;
pub mod session_store;
mod state;
mod to_the_end;
mod trace;
pub mod unsubscribe;
pub mod webhooks;

pub use router::router;
pub use state::AppState;
