pub mod auth;
pub mod contacts;
pub mod pipeline;
pub mod records;
pub mod status;
