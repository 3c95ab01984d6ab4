//! The RedKey server: configuration, start-up, HTTP routes that are not
//! pages, the database administration commands and the private cluster.

pub mod admin;
pub mod arlo;
pub mod bench;
pub mod calendar;
pub mod cli;
pub mod config;
pub mod email;
pub mod engine;
pub mod enrich;
pub mod files;
pub mod http;
pub mod import;
pub mod integrations;
pub mod mailbox;
pub mod pg;
pub mod runner;
pub mod startup;
pub mod telemetry;
