//! Server-only code: the data layer and the state server functions reach.

pub mod auth;
pub mod db;
pub mod state;
