//! Settings an admin changes: pipelines and stages, members and roles.
//! The database refuses anyone else; the loads refuse first so a member
//! sees why instead of forms that would fail.

use leptos::prelude::*;
use uuid::Uuid;

use crate::model::{AppError, MembersSettings, PipelineSettings};

#[cfg(feature = "ssr")]
pub(crate) async fn admin_tx(
) -> Result<(crate::ssr::db::Tx, crate::ssr::session::SignedIn), AppError> {
    let (mut tx, me) = crate::ssr::session::human_tx().await?;
    require_admin(&mut tx).await?;
    Ok((tx, me))
}

/// The page's read transaction, for an admin only: a settings page reads
/// in the transaction its render already holds, not a second one.
#[cfg(feature = "ssr")]
pub(crate) async fn admin_read() -> Result<
    (
        crate::ssr::page_reads::ReadTx,
        crate::ssr::session::SignedIn,
    ),
    AppError,
> {
    let (mut tx, me) = crate::ssr::session::human_read().await?;
    require_admin(&mut tx).await?;
    Ok((tx, me))
}

#[cfg(feature = "ssr")]
async fn require_admin(tx: &mut crate::ssr::db::Tx) -> Result<(), AppError> {
    if crate::ssr::db::settings::is_admin(tx).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only an admin of this client manages its settings".into(),
        ))
    }
}

/// The client's onboarding checklist (Settings → Onboarding).
#[server]
pub async fn load_onboarding() -> Result<crate::model::OnboardingChecklist, AppError> {
    use crate::ssr::db;
    let (mut tx, _) = admin_read().await?;
    let mut list = db::onboarding::checklist(&mut tx).await?;
    list.public_url = crate::ssr::cockpit::config()
        .and_then(|c| c.public_url.clone())
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string();
    Ok(list)
}

#[server]
pub async fn load_pipeline_settings() -> Result<PipelineSettings, AppError> {
    use crate::ssr::db;
    let (mut tx, _) = admin_read().await?;
    Ok(PipelineSettings {
        pipelines: db::settings::pipelines(&mut tx).await?,
        stages: db::pipeline::stages(&mut tx).await?,
    })
}

#[server]
pub async fn create_pipeline(name: String) -> Result<(), AppError> {
    let name = super::forms::required("pipeline_name", &name, "A pipeline needs a name.")?;
    let (mut tx, _) = admin_tx().await?;
    crate::ssr::db::pipeline::create_pipeline(&mut tx, &name).await?;
    tx.commit().await?;
    Ok(())
}

#[server]
pub async fn rename_pipeline(id: Uuid, name: String) -> Result<(), AppError> {
    let name = super::forms::required("name", &name, "A pipeline needs a name.")?;
    let (mut tx, _) = admin_tx().await?;
    crate::ssr::db::settings::rename_pipeline(&mut tx, id, &name).await?;
    tx.commit().await?;
    Ok(())
}

/// Probability (0–100) and outcome (`open`, `won`, `lost`) from a form.
#[cfg(feature = "ssr")]
fn stage_terms(probability: &str, outcome: &str) -> Result<(i32, bool, bool), AppError> {
    let p: i32 = probability
        .trim()
        .parse()
        .ok()
        .filter(|p| (0..=100).contains(p))
        .ok_or_else(|| AppError::invalid("probability", "A probability is 0 to 100."))?;
    let (won, lost) = match outcome {
        "won" => (true, false),
        "lost" => (false, true),
        "open" => (false, false),
        _ => return Err(AppError::invalid("outcome", "Open, won or lost.")),
    };
    Ok((p, won, lost))
}

#[server]
pub async fn add_stage(
    pipeline: Uuid,
    name: String,
    probability: String,
    outcome: String,
) -> Result<(), AppError> {
    let name = super::forms::required("stage_name", &name, "A stage needs a name.")?;
    let (p, won, lost) = stage_terms(&probability, &outcome)?;
    let (mut tx, _) = admin_tx().await?;
    crate::ssr::db::pipeline::create_stage(&mut tx, pipeline, &name, p, won, lost).await?;
    tx.commit().await?;
    Ok(())
}

/// Saves one stage's name, probability, outcome and stale threshold.
#[server]
pub async fn save_stage(
    id: Uuid,
    name: String,
    probability: String,
    outcome: String,
    stale_days: String,
) -> Result<(), AppError> {
    use crate::ssr::db;
    let name = super::forms::required("name", &name, "A stage needs a name.")?;
    let (p, won, lost) = stage_terms(&probability, &outcome)?;
    let days: i32 = stale_days
        .trim()
        .parse()
        .ok()
        .filter(|d| (1..=365).contains(d))
        .ok_or_else(|| AppError::invalid("stale_days", "Stale after 1 to 365 days."))?;
    let (mut tx, _) = admin_tx().await?;
    db::pipeline::rename_stage(&mut tx, id, &name).await?;
    db::settings::set_stage_outcome(&mut tx, id, p, won, lost).await?;
    db::pipeline::set_stage_threshold(&mut tx, id, days).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves a stage to `position` (0 is first) in its pipeline.
#[server]
pub async fn move_stage(id: Uuid, position: i32) -> Result<(), AppError> {
    let (mut tx, _) = admin_tx().await?;
    crate::ssr::db::pipeline::reorder_stage(&mut tx, id, position).await?;
    tx.commit().await?;
    Ok(())
}

/// Archives a stage; one still holding deals is refused with a message.
#[server]
pub async fn archive_stage(id: Uuid) -> Result<(), AppError> {
    let (mut tx, _) = admin_tx().await?;
    crate::ssr::db::pipeline::archive_stage(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

#[server]
pub async fn load_members() -> Result<MembersSettings, AppError> {
    let (mut tx, me) = admin_read().await?;
    Ok(MembersSettings {
        members: crate::ssr::db::settings::members(&mut tx).await?,
        me: me.user,
    })
}

#[server]
pub async fn set_member_role(id: Uuid, role: String) -> Result<(), AppError> {
    use crate::model::Role;
    let role = Role::parse(&role).ok_or_else(|| AppError::invalid("role", "Admin or member."))?;
    let (mut tx, _) = admin_tx().await?;
    crate::ssr::db::settings::set_role(&mut tx, id, role).await?;
    tx.commit().await?;
    Ok(())
}

#[server]
pub async fn remove_member(id: Uuid) -> Result<(), AppError> {
    let (mut tx, _) = admin_tx().await?;
    crate::ssr::db::settings::remove_member(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// The signed-in person's name and email (anyone's own, no admin needed).
#[server]
pub async fn load_profile() -> Result<(String, String), AppError> {
    let me = crate::ssr::session::require().await?;
    Ok((me.name, me.email))
}

#[server]
pub async fn save_my_name(name: String) -> Result<(), AppError> {
    use crate::ssr::{db, session};
    let name = super::forms::required("name", &name, "A name is needed.")?;
    let (mut tx, mut me) = session::human_tx().await?;
    db::settings::set_my_name(&mut tx, &name).await?;
    tx.commit().await?;
    me.name = name;
    session::store(&session::session().await?, &me).await
}

/// Changes the person's password after checking the current one (wrong
/// guesses count like failed sign-ins); their other sessions end, this one
/// carries on under a new id.
#[server]
pub async fn change_password(
    current: String,
    new_password: String,
    repeat: String,
) -> Result<(), AppError> {
    use crate::ssr::{db, hashing, session};
    // The checks and the hashing (tens of milliseconds each) come before
    // the transaction, which then only writes.
    let mut me = session::require().await?;
    let pool = use_context::<db::Db>().ok_or(AppError::Internal)?;
    let address = session::client_address().await;
    let wait = db::users::sign_in_wait(&pool, &me.email, address).await?;
    if wait > 0 {
        return Err(AppError::Throttled {
            minutes: (wait as u64).div_ceil(60),
        });
    }
    let user = db::users::by_email(&pool, &me.email)
        .await?
        .ok_or(AppError::NotSignedIn)?;
    let ok = hashing::verify(current, user.password_hash).await?;
    db::users::sign_in_outcome(&pool, &me.email, address, ok).await?;
    if !ok {
        return Err(AppError::invalid(
            "current",
            "That is not your current password.",
        ));
    }
    if new_password != repeat {
        return Err(AppError::invalid("repeat", "The two new passwords differ."));
    }
    let hash = hashing::hash(new_password).await?;
    let (mut tx, _) = session::human_tx().await?;
    let valid = db::settings::set_my_password(&mut tx, &hash).await?;
    tx.commit().await?;
    let s = session::session().await?;
    s.cycle_id().await.map_err(|_| AppError::Internal)?;
    me.since = valid.max(chrono::Utc::now());
    session::store(&s, &me).await
}
