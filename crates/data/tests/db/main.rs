//! The data-layer contract against a real Postgres, one fresh database per
//! test: client scoping, strategic/operational separation, the pipeline
//! functions, audit and soft delete, contacts (search, pages, filters), and
//! the migrations (the Twenty-upgrade drill, the documented contract).
//! Builds without Leptos or axum.

mod audit;
mod board;
mod board_stamps;
mod contacts;
mod deal_charts;
mod field_classes;
mod funnel;
mod health;
mod isolation;
mod migrations;
mod notes;
mod pipeline;
mod record_pages;
mod search;
mod search_words;
mod settings;
mod sign_in;
mod support;
mod tables;
mod timeline;
mod today;
mod todos;
mod trash;
mod twenty;
