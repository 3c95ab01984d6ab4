//! Cockpit users and agents' tokens from the command line.

use std::io::BufRead;

use anyhow::{anyhow, bail};
use clap::Subcommand;
use redkey_types::EmailAddress;

#[derive(Subcommand)]
pub enum TokenAction {
    /// Create a token for an agent on one client; it is printed once.
    Create {
        #[arg(long)]
        client: String,
        #[arg(long)]
        agent: String,
    },
    /// Revoke a token by its id.
    Revoke { id: uuid::Uuid },
    /// List tokens (ids, agents, clients; never the tokens).
    List,
}

#[derive(Subcommand)]
pub enum UserAction {
    /// The user can no longer sign in; their sessions end.
    Disable {
        #[arg(long)]
        email: String,
    },
    Enable {
        #[arg(long)]
        email: String,
    },
    /// A new password, read from stdin; the user's sessions end.
    SetPassword {
        #[arg(long)]
        email: String,
    },
    /// Remove the user's membership in a client.
    RemoveClient {
        #[arg(long)]
        email: String,
        #[arg(long)]
        client: String,
    },
}

pub async fn token(owner: &sqlx::PgPool, action: TokenAction) -> anyhow::Result<()> {
    match action {
        TokenAction::Create { client, agent } => {
            let (id, token) = redkey_data::tokens::create(owner, &client, &agent).await?;
            eprintln!("token {id} for agent {agent} on {client} (shown once):");
            println!("{token}");
        }
        TokenAction::Revoke { id } => {
            if !redkey_data::tokens::revoke(owner, id).await? {
                bail!("no live token with id {id}");
            }
            println!("token {id} revoked");
        }
        TokenAction::List => {
            for t in redkey_data::tokens::list(owner).await? {
                let state = match t.revoked_at {
                    Some(at) => format!("revoked {}", at.format("%Y-%m-%d %H:%M")),
                    None => "live".into(),
                };
                println!(
                    "{}  {:<12} {:<20} created {}  {state}",
                    t.id,
                    t.slug,
                    t.agent,
                    t.created_at.format("%Y-%m-%d %H:%M")
                );
            }
        }
    }
    Ok(())
}

pub fn read_password(email: &EmailAddress) -> anyhow::Result<String> {
    eprintln!("password for {email} (one line on stdin):");
    let mut password = String::new();
    std::io::stdin().lock().read_line(&mut password)?;
    Ok(password.trim_end_matches(['\r', '\n']).to_string())
}

pub async fn user(owner: &sqlx::PgPool, action: UserAction) -> anyhow::Result<()> {
    use redkey_data::{
        admin::{remove_membership, set_user},
        DbError,
    };
    let parse = |e: &str| EmailAddress::parse(e).map_err(|e| anyhow!(e));
    let known = |email: &EmailAddress, e: DbError| match e {
        DbError::NotFound => anyhow!("no user with email {email}"),
        e => e.into(),
    };
    match action {
        UserAction::Disable { email } => {
            let email = parse(&email)?;
            set_user(owner, &email, Some(true), None)
                .await
                .map_err(|e| known(&email, e))?;
            println!("{email} disabled; their sessions have ended");
        }
        UserAction::Enable { email } => {
            let email = parse(&email)?;
            set_user(owner, &email, Some(false), None)
                .await
                .map_err(|e| known(&email, e))?;
            println!("{email} enabled");
        }
        UserAction::SetPassword { email } => {
            let email = parse(&email)?;
            let password = read_password(&email)?;
            set_user(owner, &email, None, Some(&password))
                .await
                .map_err(|e| known(&email, e))?;
            println!("password of {email} set; their sessions have ended");
        }
        UserAction::RemoveClient { email, client } => {
            let email = parse(&email)?;
            if !remove_membership(owner, &email, &client).await? {
                bail!("{email} is not a member of {client}");
            }
            println!("{email} removed from {client}; their sessions there have ended");
        }
    }
    Ok(())
}

/// Erases a person in one client or, without `client`, in every client of
/// the database; then deletes the files that were theirs.
pub async fn forget(
    owner: &sqlx::PgPool,
    store: &dyn crate::files::FileStore,
    email: &str,
    client: Option<&str>,
) -> anyhow::Result<()> {
    let email = EmailAddress::parse(email).map_err(|e| anyhow!(e))?;
    let clients = redkey_data::admin::clients(owner).await?;
    let chosen: Vec<_> = clients
        .iter()
        .filter(|(_, slug, _)| client.is_none_or(|c| c == slug))
        .collect();
    if chosen.is_empty() {
        bail!("no client {:?}", client.unwrap_or_default());
    }
    for (id, slug, _) in chosen {
        let erased = redkey_data::erasure::forget_as_owner(owner, *id, email.as_str()).await?;
        for key in &erased.file_keys {
            store.delete(key).await?;
        }
        let removed: Vec<String> = erased
            .removed
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(kind, n)| format!("{n} {kind}"))
            .collect();
        println!(
            "{slug}: erased{}{}; the address is suppressed as a hash",
            if removed.is_empty() {
                " nothing else held"
            } else {
                " "
            },
            removed.join(", ")
        );
    }
    Ok(())
}
