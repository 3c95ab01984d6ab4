//! Inviting people: an admin invites an email (sent through the client's
//! Resend account, or the link shown to pass on); the invited person
//! opens the one-time link, sets a name and password if new, and is in.

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, Invitation, InvitationInfo};

/// What became of an invitation: sent, or the link to pass on and why.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Invited {
    pub email: String,
    /// Set when the email did not go: the link, shown this once.
    pub link: Option<String>,
    pub note: String,
}

#[server]
pub async fn invite_member(invite_email: String, role: String) -> Result<Invited, AppError> {
    use crate::model::{EmailAddress, Role};
    use crate::ssr::{cockpit, db, mailer::SharedMailer, session};

    let email = EmailAddress::parse(invite_email.trim())
        .map_err(|e| AppError::invalid("invite_email", e.to_string()))?;
    let role =
        Role::parse(&role).ok_or_else(|| AppError::invalid("invite_role", "Admin or member."))?;
    let (mut tx, me) = session::human_tx().await?;
    let (id, token) = db::invitations::invite(&mut tx, email.as_str(), role).await?;
    tx.commit().await?;

    let base = cockpit::config()
        .and_then(|c| c.public_url.clone())
        .unwrap_or_default();
    let link = format!("{}/invite/{token}", base.trim_end_matches('/'));
    let pool = use_context::<db::Db>().ok_or(AppError::Internal)?;
    let client = db::users::clients_of(&pool, me.user)
        .await?
        .into_iter()
        .find(|c| c.id == me.client)
        .ok_or(AppError::Internal)?;
    let text = format!(
        "{} invites you to {} on RedKey.\n\nOpen this link within {} days to join:\n{link}\n",
        me.name,
        client.name,
        db::invitations::OPEN_DAYS
    );
    let sent = match use_context::<SharedMailer>() {
        Some(mailer) => {
            let subject = format!("Join {} on RedKey", client.name);
            mailer
                .send(
                    &client.slug,
                    email.as_str(),
                    &subject,
                    &text,
                    &id.to_string(),
                )
                .await
        }
        None => Err("no email account is configured".into()),
    };
    Ok(match sent {
        Ok(()) => Invited {
            email: email.to_string(),
            link: None,
            note: format!("Invitation sent to {email}."),
        },
        Err(why) => Invited {
            email: email.to_string(),
            link: Some(link),
            note: format!(
                "Not emailed ({why}): send {email} this link yourself. It is shown once."
            ),
        },
    })
}

#[server]
pub async fn open_invitations() -> Result<Vec<Invitation>, AppError> {
    let (mut tx, _) = crate::ssr::session::human_read().await?;
    Ok(crate::ssr::db::invitations::open(&mut tx).await?)
}

#[server]
pub async fn revoke_invitation(id: Uuid) -> Result<(), AppError> {
    let (mut tx, _) = crate::ssr::session::human_tx().await?;
    crate::ssr::db::invitations::revoke(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Who an invitation link invites where; not found once used, revoked or
/// expired. Open without a session (its endpoint is fixed for the gate).
#[server(endpoint = "invitation_info")]
pub async fn load_invitation(token: String) -> Result<InvitationInfo, AppError> {
    let db = use_context::<crate::ssr::db::Db>().ok_or(AppError::Internal)?;
    crate::ssr::db::invitations::lookup(&db, &token)
        .await?
        .ok_or(AppError::NotFound)
}

/// Accepts an invitation and signs the person in. A new person gives a
/// name and a password; someone who already has a password keeps it.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(
    token: String,
    name: Option<String>,
    password: Option<String>,
) -> Result<(), AppError> {
    use crate::ssr::{db, hashing, session};
    let pool = use_context::<db::Db>().ok_or(AppError::Internal)?;
    let info = db::invitations::lookup(&pool, &token)
        .await?
        .ok_or(AppError::NotFound)?;
    let (name, hash) = if info.known {
        (String::new(), None)
    } else {
        let name =
            super::forms::required("name", name.as_deref().unwrap_or(""), "Your name, please.")?;
        let hash = hashing::hash(password.unwrap_or_default())
            .await
            .map_err(|e| match e {
                AppError::Invalid { message, .. } => AppError::invalid("password", message),
                other => other,
            })?;
        (name, Some(hash))
    };
    let (user, display, client) =
        db::invitations::accept(&pool, &token, &name, hash.as_deref()).await?;
    let s = session::session().await?;
    s.cycle_id().await.map_err(|_| AppError::Internal)?;
    session::store(
        &s,
        &session::SignedIn {
            user,
            name: display,
            email: info.email,
            client,
            since: chrono::Utc::now(),
        },
    )
    .await?;
    leptos_axum::redirect(crate::model::LANDING);
    Ok(())
}
