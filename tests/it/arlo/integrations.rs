//! The integrations registry: arlo registers the model provider on first
//! use and looks it up before every call, so an admin's new address or key
//! is the next call's without a restart; each call's outcome is its health.

use redkey::config::Settings;
use redkey_data::{api_library, secrets::SecretBox, Actor, DbError};
use redkey_types::Integration;
use serde_json::json;

use super::{demo, fake_model, Demo};
use crate::helpers::{
    fake_anthropic::{error, message, FakeAnthropic},
    spawn_app,
    visitor::{location, Visitor},
};

async fn integrations(d: &Demo) -> Vec<Integration> {
    let mut tx = d.t.tx(d.client, Actor::User(d.founder)).await;
    api_library::list(&mut tx).await.unwrap()
}

fn answer() -> serde_json::Value {
    let text = json!({ "answer": "Nothing needs you today.", "records": [] }).to_string();
    message(json!([{ "type": "text", "text": text }]))
}

fn key_of(fake: &FakeAnthropic, n: usize) -> String {
    fake.requests()[n].0["x-api-key"]
        .to_str()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_and_address_set_in_settings_are_the_next_calls_and_calls_are_its_health() {
    let d = demo().await;
    let key = SecretBox::generate_key();
    let secrets = SecretBox::new(&key, &[]).unwrap();
    let (client, configured) = fake_model().await;
    let (elsewhere_url, elsewhere) = FakeAnthropic::start().await;
    let engine = d
        .engine(redkey::arlo::Arlo::new(Some(client), 1_000_000))
        .with_secrets(Some(secrets));

    configured.script(200, answer(), None);
    d.ask(&engine, "What needs me today?").await;
    assert_eq!(key_of(&configured, 0), "sk-ant-test");
    let [model] = &integrations(&d).await[..] else {
        panic!("one integration")
    };
    assert_eq!(
        (model.provider.as_str(), model.name.as_str()),
        ("anthropic", "model")
    );
    assert!(
        model.secret_ref.contains("ANTHROPIC_API_KEY"),
        "{}",
        model.secret_ref
    );
    assert_eq!((model.calls_24h, model.errors_24h), (1, 0));
    assert!(model.last_success_at.is_some() && !model.failing());

    // An admin points it elsewhere with a key of its own, in the cockpit.
    let settings = Settings::from_pairs(&[("REDKEY_SECRET_KEY", &key)]).unwrap();
    let addr = spawn_app(&d.t, &settings).await;
    let founder = Visitor::sign_in(addr, "founder@redkey.test").await;
    let id = model.id.to_string();
    let saved = founder
        .post_form(
            "save_integration",
            "/settings/integrations",
            &[
                ("id", &id),
                ("base_url", &elsewhere_url),
                ("rate_per_minute", "30"),
                ("key", "sk-ant-set-in-settings"),
            ],
        )
        .await;
    assert!(!location(&saved).contains("error"), "{}", location(&saved));

    elsewhere.script(200, answer(), None);
    d.ask(&engine, "And now?").await;
    assert_eq!(
        configured.requests().len(),
        1,
        "the old address is not called"
    );
    assert_eq!(key_of(&elsewhere, 0), "sk-ant-set-in-settings");

    // A refused key is the integration's last error, on the page too.
    elsewhere.script(401, error("authentication_error"), None);
    d.ask_failing(&engine, "Once more?").await;
    let model = integrations(&d).await.remove(0);
    assert!(model.failing());
    assert_eq!((model.calls_24h, model.errors_24h), (3, 1));
    assert_eq!(model.rate_per_minute, Some(30));
    assert!(model.key_set_here);
    let page = founder.text("/settings/integrations").await;
    assert!(
        page.contains("data-integration=\"anthropic/model\" data-state=\"failing\""),
        "{page}"
    );
    assert!(page.contains(&elsewhere_url));
    assert!(!page.contains("sk-ant-"), "no key is ever shown");

    // Back to the configured key, at the address it was moved to.
    founder
        .post_form(
            "save_integration",
            "/settings/integrations",
            &[
                ("id", &id),
                ("base_url", &elsewhere_url),
                ("rate_per_minute", ""),
                ("key", ""),
                ("clear_key", "on"),
            ],
        )
        .await;
    elsewhere.script(200, answer(), None);
    d.ask(&engine, "Last one.").await;
    assert_eq!(key_of(&elsewhere, 2), "sk-ant-test");
}

#[tokio::test]
async fn only_an_admin_of_the_client_changes_an_integration() {
    let d = demo().await;
    let (client, configured) = fake_model().await;
    let engine = d.engine(redkey::arlo::Arlo::new(Some(client), 1_000_000));
    configured.script(200, answer(), None);
    d.ask(&engine, "What needs me today?").await;
    let model = integrations(&d).await.remove(0);

    let member = d.t.member("ada@redkey.test", &["bezeliq"]).await;
    let mut tx = d.t.tx(d.client, Actor::User(member)).await;
    let refused = api_library::set(&mut tx, model.id, "https://evil.test", None, None, false).await;
    assert!(matches!(refused, Err(DbError::Forbidden(_))), "{refused:?}");
    drop(tx);

    // The founder is an admin of harbor too, but the row is bezeliq's.
    let clients = redkey::admin::clients(&d.t.owner).await.unwrap();
    let harbor = redkey_data::ClientId(clients.iter().find(|c| c.1 == "harbor").unwrap().0);
    let mut tx = d.t.tx(harbor, Actor::User(d.founder)).await;
    let elsewhere =
        api_library::set(&mut tx, model.id, "https://evil.test", None, None, false).await;
    assert!(matches!(elsewhere, Err(DbError::NotFound)), "{elsewhere:?}");
    drop(tx);
    let mut tx = d.t.tx(harbor, Actor::User(d.founder)).await;
    assert!(
        api_library::list(&mut tx).await.unwrap().is_empty(),
        "not listed in harbor"
    );
    drop(tx);
    assert_eq!(integrations(&d).await[0].base_url, model.base_url);
}

impl Demo {
    /// Asks, expecting the task to fail.
    async fn ask_failing(&self, engine: &redkey::engine::Engine, question: &str) {
        let mut tx = self.t.tx(self.client, Actor::User(self.founder)).await;
        let payload = redkey_types::kinds::TaskPayload::CrmQuery(redkey_types::kinds::Instruct {
            text: question.to_string().try_into().unwrap(),
            about: None,
        });
        let who = format!("user:{}", self.founder);
        redkey_data::tasks::enqueue(
            &mut tx,
            &redkey_data::tasks::NewTask::typed("roles.crm", &payload, who),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let ran = engine.run_one().await.unwrap().expect("a task was due");
        assert!(
            !matches!(ran.outcome, redkey_data::engine::Outcome::Succeeded(_)),
            "{ran:?}"
        );
    }
}

#[tokio::test]
async fn every_client_lists_twenty_when_the_cockpit_links_to_it() {
    let t = redkey_testkit::TestDb::new().await;
    let (alpha, beta, human) = t.two_clients().await;
    let server = crate::helpers::server_process::start_server(
        &t,
        "web",
        &[
            ("TWENTY_URL", "https://twenty.acme.test"),
            ("REDKEY_ENGINE", "off"),
        ],
    );
    // It listens before it migrates; it answers once it is set up.
    let ready = format!("http://127.0.0.1:{}/readyz", server.port);
    let started = std::time::Instant::now();
    while !reqwest::get(&ready)
        .await
        .is_ok_and(|r| r.status().is_success())
    {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "never ready"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for client in [alpha, beta] {
        let mut tx = t.tx(client, human).await;
        let listed = api_library::list(&mut tx).await.unwrap();
        let [twenty] = &listed[..] else {
            panic!("{listed:?}")
        };
        assert_eq!(
            (twenty.provider.as_str(), twenty.base_url.as_str()),
            ("twenty", "https://twenty.acme.test")
        );
        assert_eq!(twenty.calls_24h, 0);
    }
}

#[tokio::test]
async fn the_configured_rate_follows_the_configuration_until_an_admin_sets_one() {
    let t = redkey_testkit::TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let rate_when = |rate: Option<i32>| {
        let t = &t;
        async move {
            let mut tx = t.tx(alpha, Actor::Agent).await;
            let configured = api_library::Configured {
                provider: "apollo",
                name: "enrichment",
                base_url: "https://api.apollo.io",
                secret_ref: "REDKEY_ENRICH_API_KEY",
                rate_per_minute: rate,
            };
            let used = api_library::use_provider(&mut tx, &configured)
                .await
                .unwrap();
            tx.commit().await.unwrap();
            used
        }
    };
    assert_eq!(rate_when(Some(10)).await.rate_per_minute, Some(10));
    let used = rate_when(Some(20)).await;
    assert_eq!(used.rate_per_minute, Some(20), "the configuration changed");
    let set = |rate: Option<i32>| {
        let t = &t;
        async move {
            let mut tx = t.tx(alpha, human).await;
            api_library::set(&mut tx, used.id, "https://api.apollo.io", rate, None, false)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    };
    set(Some(5)).await;
    assert_eq!(
        rate_when(Some(20)).await.rate_per_minute,
        Some(5),
        "the admin's stays"
    );
    set(None).await;
    assert_eq!(
        rate_when(Some(20)).await.rate_per_minute,
        Some(20),
        "back to the configuration"
    );
}
