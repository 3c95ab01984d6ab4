//! HTTP routes that are not cockpit pages.

pub mod guard;
pub mod health;
