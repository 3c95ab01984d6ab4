pub mod auth;
pub mod contacts;
pub mod editing;
pub mod pipeline;
pub mod records;
pub mod status;
