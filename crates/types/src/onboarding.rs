//! What Settings → Onboarding shows: the state of a client's five
//! onboarding steps as its own views see it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OnboardingChecklist {
    pub slug: String,
    pub name: String,
    /// The newest migration the database has.
    pub schema: i64,
    /// The first pipeline's name and its stage count.
    pub pipeline: Option<String>,
    pub stages: i64,
    pub admins: i64,
    pub admins_invited: i64,
    /// The website form's public key, if one is set up.
    pub form_key: Option<String>,
    pub sending_domain: Option<String>,
    /// Resend's word for the domain when last asked (`verified`, ...).
    pub sending_domain_status: Option<String>,
    pub sending_domain_checked_at: Option<DateTime<Utc>>,
    /// Where people reach the cockpit, for the URLs to paste.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub public_url: String,
}
