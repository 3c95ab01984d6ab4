//! The Resend request for one step: the drafted text, the unsubscribe
//! headers, the reply-to token and the thread headers. Stored in the
//! outbox as it is built, before the first attempt.

use redkey_data::{
    drafter::{Drafter, Templates},
    suppressions, ClientId, DbError, Tx,
};
use redkey_types::{Company, Contact, EmailAddress, Enrollment, Step};
use serde_json::json;

use crate::{config::EmailAccount, email::EmailService};

/// The idempotency key and the request body of `step` for `e`.
#[allow(clippy::too_many_arguments)]
pub(super) async fn compose(
    email: &EmailService,
    account: &EmailAccount,
    tx: &mut Tx,
    e: &Enrollment,
    step: &Step,
    contact: &Contact,
    to: &EmailAddress,
    company: Option<&Company>,
    personalised: bool,
) -> Result<(String, String), DbError> {
    let template = || Templates.draft(step, contact, company, &account.from);
    let draft = match (&email.drafter, personalised) {
        (Some(drafter), true) => {
            let sender = redkey_data::drafter::sender_name(&account.from);
            match drafter.draft(tx, step, contact, company, &sender).await {
                Ok(d) => d,
                Err(why) => {
                    tracing::warn!(enrollment = %e.id, %why, "personalising failed: the template is the draft");
                    template()
                }
            }
        }
        _ => template(),
    };
    let token = suppressions::unsubscribe_token(tx, to, &fresh_token(tx.client())).await?;
    let mut headers = json!({
        "List-Unsubscribe": format!("<{}/u/{token}>", email.public_url),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    });
    if let Some(first) = &e.first_message_id {
        headers["In-Reply-To"] = json!(first);
        headers["References"] = json!(first);
    }
    let mut body = json!({
        "from": account.from,
        "to": [to],
        "subject": draft.subject,
        "text": draft.text,
        "headers": headers,
        "tags": [
            { "name": "enrollment", "value": e.id.simple().to_string() },
            { "name": "step", "value": e.current_step.to_string() },
        ],
    });
    if let Some(domain) = &account.reply_domain {
        body["reply_to"] = json!(format!("reply+{}@{domain}", e.reply_token));
    }
    let key = format!("seq-{}-step-{}", e.id, e.current_step);
    Ok((key, body.to_string()))
}

/// The client's id in hex, then 192 random bits.
fn fresh_token(client: ClientId) -> String {
    let mut random = [0u8; 24];
    getrandom::fill(&mut random).expect("the OS has randomness");
    format!("{}{}", client.0.simple(), hex::encode(random))
}
