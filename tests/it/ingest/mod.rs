//! Ingestion over HTTP and the secret store: website forms, the
//! meeting-notes webhook, credentials sealed and rotated, sources from the
//! config file.

mod forms;
mod notes;
mod secrets;
