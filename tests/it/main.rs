//! The server's integration tests in one binary (one link instead of one
//! per file), one module per area. Each test gets a fresh database; tests
//! that need the server run it in this process (`helpers::spawn_app`) or,
//! to kill it, as a real process (`helpers::server_process`). The data
//! layer's own tests live in `crates/data/tests`.

mod api;
pub mod arlo;
mod backup;
mod board;
mod calendar;
mod check;
mod cli;
mod coverage;
mod cutoff;
mod editing;
mod email;
mod email_crash;
mod engine;
mod engine_processes;
mod export;
mod files;
mod forget;
mod helpers;
mod http;
mod imports;
mod ingest;
mod invitations;
mod logging;
mod mailbox;
mod onboard;
mod page_reads;
mod pooler;
mod private_cluster;
mod record_pages;
mod runner;
mod settings;
mod sign_in;
mod tables;
mod tls;
mod today;
mod todos;
mod trash;
mod twenty;
