//! XOAUTH2 for mailboxes at Google and Microsoft 365: the stored refresh
//! token is exchanged at the provider's token endpoint (configurable) for
//! an access token; a rotated refresh token is stored again, sealed.

use serde::{Deserialize, Serialize};

use super::{MailboxSettings, SyncError};

/// What the secret store keeps for an XOAUTH2 mailbox.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OAuthCredential {
    pub refresh_token: String,
    #[serde(default)]
    pub client_secret: Option<String>,
}

#[derive(Deserialize)]
struct TokenReply {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
}

/// A fresh access token, and the new refresh token when the provider
/// rotated it.
pub async fn access_token(
    s: &MailboxSettings,
    c: &OAuthCredential,
) -> Result<(String, Option<String>), SyncError> {
    let url = s
        .token_url
        .as_deref()
        .ok_or_else(|| SyncError::Settings("token_url is required for xoauth2".into()))?;
    let client_id = s
        .client_id
        .as_deref()
        .ok_or_else(|| SyncError::Settings("client_id is required for xoauth2".into()))?;
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("refresh_token", c.refresh_token.as_str()),
        ("client_id", client_id),
    ];
    if let Some(secret) = &c.client_secret {
        form.push(("client_secret", secret));
    }
    let http = reqwest::Client::builder()
        .user_agent(concat!("redkey/", env!("CARGO_PKG_VERSION")))
        .timeout(std::time::Duration::from_secs(20))
        .build()
        .map_err(|e| SyncError::Imap(e.to_string()))?;
    let r = http
        .post(url)
        .form(&form)
        .send()
        .await
        .map_err(|e| SyncError::Imap(format!("token endpoint unreachable: {e}")))?;
    let status = r.status();
    if status.is_client_error() {
        // invalid_grant: the person revoked access; only they can reconnect.
        return Err(SyncError::Settings(format!(
            "the token endpoint refused the refresh token ({status}): reconnect the mailbox"
        )));
    }
    if !status.is_success() {
        return Err(SyncError::Imap(format!("token endpoint answered {status}")));
    }
    let reply: TokenReply = r
        .json()
        .await
        .map_err(|e| SyncError::Imap(format!("token endpoint's answer: {e}")))?;
    let rotated = reply.refresh_token.filter(|t| *t != c.refresh_token);
    Ok((reply.access_token, rotated))
}

/// The SASL XOAUTH2 initial response.
pub struct XOAuth2 {
    pub user: String,
    pub token: String,
}

impl async_imap::Authenticator for &XOAuth2 {
    type Response = String;

    fn process(&mut self, _challenge: &[u8]) -> String {
        format!("user={}\x01auth=Bearer {}\x01\x01", self.user, self.token)
    }
}
