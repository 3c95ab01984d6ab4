//! What every route shares, built once from the settings.

use std::{net::SocketAddr, sync::Arc};

use app::ssr::cockpit::CockpitConfig;
use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use redkey_data::Db;

use crate::{
    config::{ApiSettings, Settings},
    email::EmailService,
};

/// Cloned for every request (axum hands each handler its own), so a
/// handle: the settings behind it are shared, not copied.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

pub struct Shared {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub cockpit: Arc<CockpitConfig>,
    /// Set `Secure` on the session cookie (served over https).
    pub secure_cookies: bool,
    /// Outbound email, when any client has an account configured.
    pub email: Option<Arc<EmailService>>,
    pub api: ApiSettings,
    /// Where people reach the cockpit (`REDKEY_PUBLIC_URL`).
    pub public_url: Option<String>,
    /// The secret store, when `REDKEY_SECRET_KEY` is set.
    pub secrets: Option<redkey_data::secrets::SecretBox>,
    /// Website form posts per address and minute.
    pub forms: Arc<super::ingest::Limiter>,
    /// Mail providers people connect with OAuth.
    pub mail_oauth: Vec<crate::config::MailOAuth>,
    /// Where uploaded files are kept.
    pub files: Arc<dyn crate::files::FileStore>,
    /// Boards kept between requests.
    pub boards: Arc<app::ssr::board::Boards>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> Self {
        s.leptos_options.clone()
    }
}

/// Posts one address may make to one form in a minute.
const FORM_POSTS_PER_MINUTE: usize = 10;

impl AppState {
    /// Everything the routes share, from the settings; `addr` is where this
    /// instance listens.
    pub fn new(settings: &Settings, db: Db, addr: SocketAddr) -> anyhow::Result<Self> {
        let email = EmailService::from_settings(settings)?;
        Ok(Self(Arc::new(Shared {
            email,
            api: settings.api.clone(),
            public_url: settings.cockpit.public_url.clone(),
            secrets: settings.secrets.open()?,
            forms: Arc::new(super::ingest::Limiter::new(FORM_POSTS_PER_MINUTE)),
            mail_oauth: settings.mail_oauth.clone(),
            leptos_options: LeptosOptions::builder()
                .output_name("redkey")
                .site_root(settings.cockpit.site_root.to_string_lossy().as_ref())
                .site_pkg_dir("pkg")
                .site_addr(addr)
                .build(),
            db,
            cockpit: Arc::new(CockpitConfig {
                twenty_url: settings.cockpit.twenty_url.clone(),
                retired: settings.cockpit.retired.clone(),
                senders: settings
                    .email
                    .accounts
                    .iter()
                    .map(|a| (a.client.clone(), a.from.clone()))
                    .collect(),
                daily_tokens: settings
                    .model
                    .api_key
                    .is_some()
                    .then_some(settings.model.daily_tokens),
                public_url: settings.cockpit.public_url.clone(),
                mail_oauth: settings.mail_oauth.iter().map(|p| p.name.clone()).collect(),
                board_cards: Some(settings.cockpit.board_cards),
                upload_max_bytes: settings.cockpit.upload_max_bytes,
                import_max_bytes: settings.cockpit.import_max_bytes,
                trash_days: settings.engine.trash.as_secs() / 86_400,
            }),
            files: crate::files::store(settings)?,
            boards: Arc::new(app::ssr::board::Boards::new(settings.cockpit.board_cache)),
            secure_cookies: settings.cockpit.secure_cookies(),
        })))
    }
}
