//! Server-only code: the data layer and the state server functions reach.

pub mod auth;
pub mod cockpit;
pub mod db;
pub mod drafter;
pub mod markdown;
pub mod session;
pub mod state;
pub mod throttle;
