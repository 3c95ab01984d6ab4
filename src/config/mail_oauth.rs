//! Mail providers a person can connect with OAuth (Google, Microsoft 365):
//! where to send them to consent, where to exchange codes and refresh
//! tokens, and the IMAP server their mail is on.

use secrecy::SecretString;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailOAuth {
    /// Shown as "Connect with <name>"; in the callback's state.
    pub name: String,
    pub auth_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// Google: https://mail.google.com/ ; Microsoft:
    /// https://outlook.office.com/IMAP.AccessAsUser.All offline_access
    pub scope: String,
    pub imap_host: String,
    #[serde(default = "imaps")]
    pub imap_port: u16,
}

fn imaps() -> u16 {
    993
}
