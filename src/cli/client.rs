//! `redkey client onboard` and `redkey client status`.

use anyhow::{anyhow, bail};
use clap::Subcommand;
use redkey_types::EmailAddress;
use secrecy::SecretString;

use crate::{
    admin::{self, onboard},
    config::{DatabaseUrl, Settings},
};

#[derive(Subcommand)]
pub enum ClientAction {
    /// Set up a client in five steps (database, workspace, cockpit,
    /// ingestion, sending domain) and print each step's state; running it
    /// again repairs what is missing and duplicates nothing.
    Onboard {
        #[arg(long)]
        name: String,
        /// Default: from the name (lower case, dashes).
        #[arg(long)]
        slug: Option<String>,
        /// The client's own database (default: DATABASE_URL).
        #[arg(long)]
        database_url: Option<String>,
        /// The domain its sequences send from, e.g. mail.acme.com.
        #[arg(long)]
        sending_domain: String,
        /// Invite this person as the client's first admin.
        #[arg(long)]
        admin_email: Option<String>,
    },
    /// Each onboarding step's state, without changing anything.
    Status {
        #[arg(long)]
        client: String,
        #[arg(long)]
        database_url: Option<String>,
    },
}

pub async fn run(settings: &Settings, action: ClientAction) -> anyhow::Result<()> {
    let (req, database_url, apply) = match action {
        ClientAction::Onboard {
            name,
            slug,
            database_url,
            sending_domain,
            admin_email,
        } => {
            let slug = slug.unwrap_or_else(|| onboard::slug_of(&name));
            if slug.is_empty() {
                bail!("{name:?} gives no slug: pass --slug");
            }
            let admin = admin_email
                .map(|e| EmailAddress::parse(&e).map_err(|e| anyhow!(e)))
                .transpose()?;
            let req = onboard::Request {
                slug,
                name: Some(name),
                domain: Some(sending_domain.trim().to_ascii_lowercase()),
                admin,
            };
            (req, database_url, true)
        }
        ClientAction::Status {
            client,
            database_url,
        } => {
            let req = onboard::Request {
                slug: client,
                name: None,
                domain: None,
                admin: None,
            };
            (req, database_url, false)
        }
    };
    let url = match database_url {
        Some(raw) => DatabaseUrl::parse("--database-url", SecretString::from(raw))?,
        None => settings
            .database
            .owner
            .clone()
            .ok_or_else(|| anyhow!("DATABASE_URL is not set: pass --database-url"))?,
    };
    let owner = admin::owner_pool(&url).await?;
    let steps = onboard::run(settings, &url, &owner, &req, apply).await?;
    println!("{} on {url:?}:", req.slug);
    for (i, s) in steps.iter().enumerate() {
        println!("{}. {s}", i + 1);
    }
    let open = steps
        .iter()
        .filter(|s| s.mark != onboard::Mark::Done)
        .count();
    if steps.iter().any(|s| s.mark == onboard::Mark::Failed) {
        bail!("onboarding {} failed", req.slug);
    }
    if open == 0 {
        println!("all five steps done");
    }
    Ok(())
}
