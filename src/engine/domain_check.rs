//! `email.domain_check`, daily per client: asks Resend about the client's
//! sending domain until it is verified, starting Resend's check when it has
//! not begun, and keeps the answer for Settings → Onboarding.

use redkey_data::{current_client, onboarding};
use redkey_types::Task;
use serde_json::{json, Value};

use super::{
    handlers::{agent_tx, TaskError},
    Engine,
};

pub async fn run(engine: &Engine, task: &Task) -> Result<Value, TaskError> {
    let mut tx = agent_tx(engine, task).await?;
    let client = current_client(&mut tx).await?;
    let (domain, status) = onboarding::domain_state(&mut tx).await?;
    let Some(domain) = domain else {
        return Ok(json!({ "domain": null }));
    };
    if status.as_deref() == Some("verified") {
        return Ok(json!({ "domain": domain, "status": "verified", "asked": false }));
    }
    let account = engine
        .inner
        .email
        .as_ref()
        .and_then(|email| Some((email, email.account(&client.slug)?)));
    let Some((email, account)) = account else {
        return Ok(json!({ "domain": domain, "skipped": "no Resend account for this client" }));
    };
    let (resend, key) = (&email.resend, &account.api_key);
    // Resend being unreachable or refusing is worth another attempt: the
    // queue retries with backoff, and tomorrow's tick asks again anyway.
    let listed = resend.domains(key).await.map_err(TaskError::Retry)?;
    let Some(found) = listed
        .into_iter()
        .find(|d| d.name.eq_ignore_ascii_case(&domain))
    else {
        onboarding::note_domain_status(&mut tx, "not added").await?;
        tx.commit().await?;
        return Ok(json!({ "domain": domain, "status": "not added" }));
    };
    let mut d = resend
        .domain(key, &found.id)
        .await
        .map_err(TaskError::Retry)?;
    let mut verify_asked = false;
    if d.status == "not_started" {
        resend
            .verify_domain(key, &d.id)
            .await
            .map_err(TaskError::Retry)?;
        d = resend.domain(key, &d.id).await.map_err(TaskError::Retry)?;
        verify_asked = true;
    }
    onboarding::note_domain_status(&mut tx, &d.status).await?;
    tx.commit().await?;
    let missing: Vec<&str> = d
        .records
        .iter()
        .filter(|r| r.status != "verified")
        .map(|r| r.name.as_str())
        .collect();
    Ok(json!({
        "domain": domain, "status": d.status, "asked": true,
        "verify_started": verify_asked, "missing_records": missing,
    }))
}
