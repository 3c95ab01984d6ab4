//! Outbound email through Resend: sequence steps, provider events, and
//! the limits that keep a young sending domain's reputation.

pub mod domains;
pub mod events;
pub mod inbound;
mod invite;
pub mod resend;
pub mod sequence;
pub mod svix;

use std::sync::Arc;

use crate::config::{EmailAccount, EmailSettings};

/// What every email path shares: the Resend client and the settings.
pub struct EmailService {
    pub resend: resend::Resend,
    pub settings: EmailSettings,
    /// Base of unsubscribe links (`REDKEY_PUBLIC_URL`).
    pub public_url: String,
    /// Personalises the steps of sequences that ask for it, when a model is
    /// configured.
    pub drafter: Option<crate::arlo::drafting::StepDrafter>,
    /// Opens a Resend key an admin set on Settings → Integrations.
    pub secrets: Option<redkey_data::secrets::SecretBox>,
}

impl EmailService {
    pub fn new(settings: EmailSettings, public_url: String) -> anyhow::Result<Self> {
        Ok(Self {
            resend: resend::Resend::new(&settings.base_url)?,
            settings,
            public_url: public_url.trim_end_matches('/').to_string(),
            drafter: None,
            secrets: None,
        })
    }

    /// The service the settings describe (with the model's step drafter and
    /// the secret store), or none when no account or public URL is set.
    pub fn from_settings(settings: &crate::config::Settings) -> anyhow::Result<Option<Arc<Self>>> {
        let Some(public) = &settings.cockpit.public_url else {
            return Ok(None);
        };
        if settings.email.accounts.is_empty() {
            return Ok(None);
        }
        let mut service = Self::new(settings.email.clone(), public.clone())?;
        service.drafter = crate::arlo::Arlo::step_drafter(&settings.model)?;
        service.secrets = settings.secrets.open()?;
        Ok(Some(Arc::new(service)))
    }

    /// The same service personalising steps through `drafter`.
    pub fn with_drafter(mut self, drafter: crate::arlo::drafting::StepDrafter) -> Self {
        self.drafter = Some(drafter);
        self
    }

    pub fn account(&self, slug: &str) -> Option<&EmailAccount> {
        self.settings.accounts.iter().find(|a| a.client == slug)
    }
}

/// Today's cap for an account whose first send was `days_sending` days
/// ago: a linear ramp from `warmup_start` to `daily_cap`.
pub fn daily_cap(account: &EmailAccount, days_sending: i64) -> i64 {
    let cap = account.daily_cap as i64;
    if account.warmup_days == 0 || account.warmup_start == 0 {
        return cap;
    }
    let start = (account.warmup_start as i64).min(cap);
    let d = days_sending.clamp(0, account.warmup_days as i64);
    start + (cap - start) * d / account.warmup_days as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_warm_up_ramp_grows_to_the_cap() {
        let mut a: EmailAccount = serde_json::from_value(serde_json::json!({
            "client": "c", "api_key": "re_x", "from": "A <a@c.test>",
            "webhook_secret": "whsec_eA==", "daily_cap": 200,
            "warmup_start": 20, "warmup_days": 10
        }))
        .unwrap();
        assert_eq!(daily_cap(&a, 0), 20);
        assert_eq!(daily_cap(&a, 5), 110);
        assert_eq!(daily_cap(&a, 10), 200);
        assert_eq!(daily_cap(&a, 400), 200);
        a.warmup_days = 0;
        assert_eq!(daily_cap(&a, 0), 200);
    }
}
