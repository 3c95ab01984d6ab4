pub mod auth;
pub mod contacts;
pub mod pipeline;
pub mod status;
