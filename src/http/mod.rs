//! HTTP routes that are not cockpit pages.

pub mod health;
