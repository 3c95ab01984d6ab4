//! Arlo's judgment: the model it asks (within each client's daily token
//! budget, every call's cost recorded against its task attempt), the
//! built-in interpreter that answers without one, and what arlo does with
//! a founder's sentence.

pub mod drafting;
pub mod enrich;
pub mod infer;
pub mod instruct;
pub mod interpret;
pub mod model;
pub mod notes;
pub mod prompts;
pub mod query;
mod resolve;

use chrono::Utc;
use redkey_data::{calendar, usage, ClientId, Db, Tx};
use redkey_types::Task;
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;

use redkey_data::api_library::Configured;

use crate::integrations as providers;
use secrecy::SecretString;

use crate::{
    config::{EnrichmentSettings, ModelSettings},
    engine::TaskError,
    enrich::Enricher,
};
use model::{ModelClient, ModelError};
use prompts::Prompt;

#[derive(Clone, Debug, Default)]
pub struct Arlo {
    /// The configured model client; the registry may point it elsewhere
    /// or give it a key before each call.
    model: Option<ModelClient>,
    daily_tokens: u64,
    enrichment: Option<enrich::Enrichment>,
    /// Opens the keys an admin set on Settings → Integrations.
    secrets: Option<redkey_data::secrets::SecretBox>,
}

/// What asking the model came to.
pub enum Asked<T> {
    Answer(T),
    /// No model is configured: the built-in interpreter answers.
    NoModel,
    /// The client's tokens for today are spent: the built-in answers.
    BudgetSpent,
}

impl Arlo {
    pub fn new(model: Option<ModelClient>, daily_tokens: u64) -> Self {
        Self {
            model,
            daily_tokens,
            enrichment: None,
            secrets: None,
        }
    }

    /// The same arlo opening keys set in Settings with `secrets`.
    pub fn with_secrets(mut self, secrets: Option<redkey_data::secrets::SecretBox>) -> Self {
        self.secrets = secrets;
        self
    }

    /// The same arlo enriching contacts through `client`.
    pub fn with_enrichment(mut self, client: Enricher, settings: EnrichmentSettings) -> Self {
        self.enrichment = Some(enrich::Enrichment { client, settings });
        self
    }

    fn model(s: &ModelSettings) -> anyhow::Result<Option<ModelClient>> {
        Ok(match &s.api_key {
            Some(key) if !key.expose_secret().is_empty() => {
                Some(ModelClient::new(&s.base_url, key.clone(), &s.model)?)
            }
            _ => None,
        })
    }

    /// The sequence steps' drafter, when a model is configured.
    pub fn step_drafter(s: &ModelSettings) -> anyhow::Result<Option<drafting::StepDrafter>> {
        // A send waits on the draft: two attempts, not four.
        let quick = |m: ModelClient| m.with_retries(2, std::time::Duration::from_millis(500));
        Ok(Self::model(s)?.map(|m| drafting::StepDrafter::new(quick(m), s.daily_tokens)))
    }

    /// Arlo with the configured providers. Each is there even without a
    /// configured key: an admin may give it one on Settings → Integrations.
    pub fn from_settings(s: &ModelSettings, e: &EnrichmentSettings) -> anyhow::Result<Self> {
        let none = || SecretString::from(String::new());
        let model_key = s.api_key.clone().unwrap_or_else(none);
        let model = ModelClient::new(&s.base_url, model_key, &s.model)?;
        let enricher = Enricher::new(e, e.api_key.clone().unwrap_or_else(none))?;
        Ok(Self::new(Some(model), s.daily_tokens).with_enrichment(enricher, e.clone()))
    }

    /// The hourly enrichment scan, when a provider is configured.
    pub async fn enrich(&self, db: &Db, task: &Task) -> Result<serde_json::Value, TaskError> {
        match &self.enrichment {
            Some(e) => enrich::scan(e, db, task, self.secrets.as_ref()).await,
            None => Ok(serde_json::json!({ "skipped": "no enrichment provider is configured" })),
        }
    }

    /// Asks the model `prompt` about `user` for `task`, unless the client
    /// spent today's tokens. Every answer's tokens are recorded against the
    /// task's attempt before anything acts on it. A model that is down is
    /// worth another attempt later; a refused request or an unusable answer
    /// is not, and nothing acts on it.
    pub async fn ask<T: DeserializeOwned>(
        &self,
        db: &Db,
        task: &Task,
        prompt: &Prompt,
        vars: &[(&str, &str)],
        user: &str,
    ) -> Result<Asked<T>, TaskError> {
        let Some(configured) = &self.model else {
            return Ok(Asked::NoModel);
        };
        let secret_ref = providers::secret_ref(
            configured.target().key().is_some(),
            "ANTHROPIC_API_KEY",
            "anthropic",
        );
        let to = providers::endpoint(
            db,
            ClientId(task.client_id),
            self.secrets.as_ref(),
            &Configured {
                provider: "anthropic",
                name: "model",
                base_url: configured.target().base(),
                secret_ref: &secret_ref,
                rate_per_minute: None,
            },
            configured.target().key(),
        )
        .await?;
        let Some(key) = to.key else {
            return Ok(Asked::NoModel);
        };
        let model = configured.at(providers::Target::new(&to.base_url, key));
        let mut tx = agent_tx(db, task).await?;
        let day = calendar::day_start(&mut tx, Utc::now()).await?;
        let spent = usage::since(&mut tx, day).await?;
        tx.commit().await?;
        if (spent.input_tokens + spent.output_tokens) as u64 >= self.daily_tokens {
            return Ok(Asked::BudgetSpent);
        }
        let answer = model
            .ask::<T>(
                &prompt.system(vars),
                user,
                &prompt.schema(),
                prompt.max_tokens,
            )
            .await;
        providers::report(
            db,
            ClientId(task.client_id),
            to.id,
            answer.as_ref().map(|_| ()).map_err(|e| e.to_string()),
        )
        .await;
        let answer = answer.map_err(|e| match e {
            ModelError::Unavailable { .. } => TaskError::Retry(e.to_string()),
            ModelError::Refused { .. } | ModelError::Malformed(_) => {
                TaskError::Permanent(e.to_string())
            }
        })?;
        let mut tx = agent_tx(db, task).await?;
        usage::record(
            &mut tx,
            task.id,
            task.attempts,
            &answer.model,
            answer.usage.input_tokens,
            answer.usage.output_tokens,
        )
        .await?;
        tx.commit().await?;
        Ok(Asked::Answer(answer.value))
    }
}

async fn agent_tx(db: &Db, task: &Task) -> Result<Tx, TaskError> {
    Ok(db
        .begin(ClientId(task.client_id), redkey_data::Actor::Agent)
        .await?)
}
