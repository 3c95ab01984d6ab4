//! Personalised sequence steps: the model rewrites a step's template for
//! one person, from their record, their company and recent activity,
//! within the client's daily budget. Whatever it writes is stored in the
//! outbox before the first attempt, so a retry sends the same bytes; when
//! it cannot (no budget, the API down, an unusable answer) the template is
//! the draft.

use chrono::Utc;
use redkey_data::{activities, calendar, usage, Tx};
use redkey_types::{Company, Contact, Draft, RecordKind, Step};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{model::ModelClient, prompts::DRAFT_STEP};

#[derive(Clone, Debug)]
pub struct StepDrafter {
    model: ModelClient,
    daily_tokens: u64,
}

#[derive(Deserialize)]
struct Written {
    subject: String,
    text: String,
}

tokio::task_local! {
    /// The task (and attempt) this code runs for, set by the engine: model
    /// calls deep inside a handler are recorded against it.
    pub static CURRENT_TASK: (Uuid, i32);
}

impl StepDrafter {
    pub fn new(model: ModelClient, daily_tokens: u64) -> Self {
        Self {
            model,
            daily_tokens,
        }
    }

    /// The personalised draft, or why the template stands.
    pub async fn draft(
        &self,
        tx: &mut Tx,
        step: &Step,
        contact: &Contact,
        company: Option<&Company>,
        sender: &str,
    ) -> Result<Draft, String> {
        let day = calendar::day_start(tx, Utc::now())
            .await
            .map_err(|e| e.to_string())?;
        let spent = usage::since(tx, day).await.map_err(|e| e.to_string())?;
        if (spent.input_tokens + spent.output_tokens) as u64 >= self.daily_tokens {
            return Err("today's model budget is spent".into());
        }
        let history = activities::latest_of(tx, RecordKind::Contact, contact.id, None, 5)
            .await
            .map_err(|e| e.to_string())?;
        let context = json!({
            "person": {
                "first_name": contact.first_name, "last_name": contact.last_name,
                "title": contact.job_title, "city": contact.city,
                "relationship_note": contact.relationship_note,
            },
            "company": company.map(|c| json!({ "name": c.name, "industry": c.industry,
                                               "employees": c.employees })),
            "recent_activity": history.iter().map(|a| json!({
                "kind": a.kind, "subject": a.subject, "at": a.happens_at,
            })).collect::<Vec<_>>(),
        });
        let intent = step.intent.as_deref().unwrap_or("as the template says");
        let vars = [
            ("sender", sender),
            ("intent", intent),
            ("subject", step.subject.as_str()),
            ("body", step.body.as_str()),
            ("context", &context.to_string()),
        ];
        let answer = self
            .model
            .ask::<Written>(
                &DRAFT_STEP.system(&vars),
                "Write the email.",
                &DRAFT_STEP.schema(),
                DRAFT_STEP.max_tokens,
            )
            .await
            .map_err(|e| e.to_string())?;
        let (task, attempt) = CURRENT_TASK.try_with(|t| *t).unwrap_or((Uuid::nil(), 0));
        usage::record(
            tx,
            task,
            attempt,
            &answer.model,
            answer.usage.input_tokens,
            answer.usage.output_tokens,
        )
        .await
        .map_err(|e| e.to_string())?;
        let Written { subject, text } = answer.value;
        if subject.trim().is_empty() || text.trim().is_empty() {
            return Err("the model wrote an empty email".into());
        }
        Ok(Draft { subject, text })
    }
}
