//! Arlo's judgment against the demo data: the model client, strategic
//! writes from sentences (through the built-in interpreter and a fake
//! model), and suggestions.

mod drafts;
mod enrich;
mod instruct;
mod integrations;
mod model;
mod query;
mod relay;
mod suggestions;

use std::time::Duration;

use redkey::{
    arlo::{model::ModelClient, Arlo},
    config::Settings,
    engine::Engine,
};
use redkey_data::{
    engine::Outcome,
    instructions, records,
    tasks::{self},
    Actor, ClientId,
};
use redkey_testkit::TestDb;
use redkey_types::{kinds::Instruct, Contact, Deal, InstructResult, RecordRef};
use secrecy::SecretString;
use uuid::Uuid;

use crate::helpers::fake_anthropic::FakeAnthropic;

/// The demo data (client `bezeliq`, in London time) and its founder.
pub struct Demo {
    pub t: TestDb,
    pub client: ClientId,
    pub founder: Uuid,
}

pub async fn demo() -> Demo {
    let t = TestDb::new().await;
    redkey::admin::seed::seed(&t.owner, &t.db).await.unwrap();
    redkey_data::admin::set_schedule(
        &t.owner,
        "bezeliq",
        chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
        "Europe/London",
    )
    .await
    .unwrap();
    let clients = redkey::admin::clients(&t.owner).await.unwrap();
    let client = ClientId(clients.iter().find(|c| c.1 == "bezeliq").unwrap().0);
    let founder = t.user("founder@redkey.test", &["bezeliq", "harbor"]).await;
    Demo { t, client, founder }
}

impl Demo {
    /// The founder tells arlo, through the cockpit's path; the task id.
    pub async fn tell(&self, sentence: &str, about: Option<RecordRef>) -> Uuid {
        let mut tx = self.t.tx(self.client, Actor::User(self.founder)).await;
        let instruct = Instruct {
            text: sentence.to_string().try_into().unwrap(),
            about,
        };
        let who = format!("user:{}", self.founder);
        let task = instructions::task_for(&instruct, who.clone());
        let done = instructions::give(&mut tx, &who, &instruct, task)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        done.task().id
    }

    pub fn engine(&self, arlo: Arlo) -> Engine {
        let settings = Settings::from_pairs(&[("REDKEY_INSTANCE", "arlo-test")]).unwrap();
        Engine::new(self.t.db.clone(), settings.engine, None)
            .unwrap()
            .with_arlo(arlo)
    }

    /// Runs the next task and returns its instruction result.
    pub async fn run(&self, engine: &Engine) -> InstructResult {
        let ran = engine.run_one().await.unwrap().expect("a task was due");
        let Outcome::Succeeded(v) = ran.outcome else {
            panic!("{ran:?}")
        };
        serde_json::from_value(v).unwrap()
    }

    /// The founder asks arlo a question; the answer.
    pub async fn ask(&self, engine: &Engine, question: &str) -> redkey_types::QueryAnswer {
        let mut tx = self.t.tx(self.client, Actor::User(self.founder)).await;
        let payload = redkey_types::kinds::TaskPayload::CrmQuery(Instruct {
            text: question.to_string().try_into().unwrap(),
            about: None,
        });
        let who = format!("user:{}", self.founder);
        tasks::enqueue(&mut tx, &tasks::NewTask::typed("roles.crm", &payload, who))
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let ran = engine.run_one().await.unwrap().expect("a task was due");
        let Outcome::Succeeded(v) = ran.outcome else {
            panic!("{ran:?}")
        };
        serde_json::from_value(v).unwrap()
    }

    pub async fn deal(&self, name: &str) -> Deal {
        let mut tx = self.t.tx(self.client, Actor::Agent).await;
        let id: Uuid = sqlx::query_scalar("SELECT id FROM crm_deals WHERE name = $1")
            .bind(name)
            .fetch_one(tx.conn())
            .await
            .unwrap();
        records::get(&mut tx, id).await.unwrap()
    }

    pub async fn contact(&self, email: &str) -> Contact {
        let mut tx = self.t.tx(self.client, Actor::Agent).await;
        let id: Uuid = sqlx::query_scalar("SELECT id FROM crm_contacts WHERE email = $1")
            .bind(email)
            .fetch_one(tx.conn())
            .await
            .unwrap();
        records::get(&mut tx, id).await.unwrap()
    }

    /// How many field changes were made on behalf of the task's
    /// instruction.
    pub async fn writes_of(&self, task: Uuid) -> i64 {
        let mut tx = self.t.tx(self.client, Actor::Agent).await;
        let t = tasks::get(&mut tx, task).await.unwrap();
        sqlx::query_scalar("SELECT count(*) FROM crm_field_changes WHERE on_behalf_of = $1")
            .bind(t.instruction_id.unwrap())
            .fetch_one(tx.conn())
            .await
            .unwrap()
    }
}

/// A model client for the fake, retries kept short.
pub async fn fake_model() -> (ModelClient, FakeAnthropic) {
    let (url, fake) = FakeAnthropic::start().await;
    let client = ModelClient::new(&url, SecretString::from("sk-ant-test"), "claude-sonnet-5-5")
        .unwrap()
        .with_retries(2, Duration::from_millis(20));
    (client, fake)
}
