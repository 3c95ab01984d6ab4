//! Email the cockpit itself sends (invitations), through the client's own
//! Resend account; the server provides it when accounts are configured.

use std::{future::Future, pin::Pin};

pub type Sending<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + Send + 'a>>;

pub trait Mailer: Send + Sync {
    /// Sends a plain-text email from the client's account; `key` makes a
    /// retry of the same email one email. Err says why it did not go
    /// (no account for this client, or the provider's refusal).
    fn send<'a>(
        &'a self,
        client_slug: &'a str,
        to: &'a str,
        subject: &'a str,
        text: &'a str,
        key: &'a str,
    ) -> Sending<'a>;
}

/// The one the server provides, shared.
pub type SharedMailer = std::sync::Arc<dyn Mailer>;
