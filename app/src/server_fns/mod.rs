pub mod auth;
pub mod contacts;
pub mod editing;
#[cfg(feature = "ssr")]
pub mod forms;
pub mod pipeline;
pub mod records;
pub mod status;
