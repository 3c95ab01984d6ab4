//! The cockpit's own emails (invitations) through the client's Resend
//! account, for `app::ssr::mailer::Mailer`.

use app::ssr::mailer::{Mailer, Sending};

use super::{resend::SendError, EmailService};

impl Mailer for EmailService {
    fn send<'a>(
        &'a self,
        client_slug: &'a str,
        to: &'a str,
        subject: &'a str,
        text: &'a str,
        key: &'a str,
    ) -> Sending<'a> {
        Box::pin(async move {
            let account = self
                .account(client_slug)
                .ok_or_else(|| "this client has no email account configured".to_string())?;
            let body = serde_json::json!({
                "from": account.from,
                "to": [to],
                "subject": subject,
                "text": text,
            })
            .to_string();
            self.resend
                .send(&account.api_key, key, &body)
                .await
                .map(|_| ())
                .map_err(|e| match e {
                    SendError::RateLimited(_) => "Resend asked to wait: try again shortly".into(),
                    SendError::Transient { why, .. } => why,
                    SendError::Quota(why) | SendError::Rejected(why) | SendError::Account(why) => {
                        why
                    }
                })
        })
    }
}
