//! Types shared by the server and the browser. On the server they also
//! decode straight from the `crm_*` views.

mod email;
mod error;
pub mod format;
mod records;
mod sequences;
mod tasks;
mod views;

pub use email::EmailAddress;
pub use error::AppError;
pub use records::*;
pub use sequences::*;
pub use tasks::*;
pub use views::*;

use serde::{Deserialize, Serialize};

/// What the cockpit's database check reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbStatus {
    pub server_version: String,
    pub schema_version: i64,
}
