//! HTTP routes that are not cockpit pages.

pub mod api;
pub mod errors;
pub mod guard;
pub mod health;
pub mod unsubscribe;
pub mod webhooks;
