//! Server-only code: the session, the cockpit's settings and the context
//! server functions reach. The data layer is its own crate (`redkey-data`),
//! known here as `db`.

pub use redkey_data as db;

pub mod board;
pub mod cockpit;
pub mod hashing;
pub mod mailer;
pub mod markdown;
pub mod page_reads;
pub mod session;
