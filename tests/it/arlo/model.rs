//! The model client against a fake Anthropic API: structured answers after
//! thinking blocks, 429 with retry-after, 529 backed off, 4xx not retried,
//! and an answer that is not the JSON asked for refused as unusable.

use std::time::{Duration, Instant};

use redkey::arlo::model::{ModelClient, ModelError, Usage};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

use crate::helpers::fake_anthropic::{error, message, FakeAnthropic};

#[derive(Debug, Deserialize, PartialEq)]
struct Verdict {
    stalled: bool,
    reason: String,
}

fn schema() -> serde_json::Value {
    json!({ "type": "object", "required": ["stalled", "reason"],
            "properties": { "stalled": { "type": "boolean" }, "reason": { "type": "string" } } })
}

async fn client() -> (ModelClient, FakeAnthropic) {
    let (url, fake) = FakeAnthropic::start().await;
    let client = ModelClient::new(&url, SecretString::from("sk-ant-test"), "claude-sonnet-5-5")
        .unwrap()
        .with_retries(4, Duration::from_millis(20));
    (client, fake)
}

async fn ask(c: &ModelClient) -> Result<redkey::arlo::model::Answer<Verdict>, ModelError> {
    c.ask(
        "You judge deals.",
        "Is the Acme deal stalled?",
        &schema(),
        256,
    )
    .await
}

#[tokio::test]
async fn a_structured_answer_is_read_after_thinking_blocks() {
    let (c, fake) = client().await;
    fake.script(
        200,
        message(json!([
            { "type": "thinking", "thinking": "Budget freeze...", "signature": "x" },
            { "type": "text", "text": "{\"stalled\": true, \"reason\": \"budget freeze\"}" },
        ])),
        None,
    );
    let answer = ask(&c).await.unwrap();
    assert_eq!(
        answer.value,
        Verdict {
            stalled: true,
            reason: "budget freeze".into()
        }
    );
    assert_eq!(
        answer.usage,
        Usage {
            input_tokens: 120,
            output_tokens: 30
        }
    );
    let (headers, body) = fake.requests().pop().unwrap();
    assert_eq!(headers["x-api-key"], "sk-ant-test");
    assert_eq!(headers["anthropic-version"], "2023-06-01");
    assert!(headers.contains_key("user-agent"));
    assert_eq!(body["model"], "claude-sonnet-5-5");
    assert_eq!(body["output_config"]["format"]["type"], "json_schema");
    assert_eq!(body["output_config"]["format"]["schema"], schema());
    assert_eq!(body["messages"][0]["role"], "user");
}

#[tokio::test]
async fn a_429_waits_for_retry_after_and_a_529_backs_off() {
    let (c, fake) = client().await;
    fake.script(429, error("rate_limit_error"), Some("0.3"));
    fake.script(529, error("overloaded_error"), None);
    fake.script(
        200,
        message(
            json!([{ "type": "text", "text": "{\"stalled\": false, \"reason\": \"active\"}" }]),
        ),
        None,
    );
    let started = Instant::now();
    let answer = ask(&c).await.unwrap();
    assert!(!answer.value.stalled);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "retry-after honoured"
    );
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn overload_that_lasts_gives_up_after_the_attempts() {
    let (c, fake) = client().await;
    for _ in 0..4 {
        fake.script(529, error("overloaded_error"), None);
    }
    let err = ask(&c).await.unwrap_err();
    assert!(
        matches!(err, ModelError::Unavailable { attempts: 4, ref last } if last.contains("overloaded_error")),
        "{err:?}"
    );
    assert_eq!(fake.requests().len(), 4);
}

#[tokio::test]
async fn a_400_is_not_retried() {
    let (c, fake) = client().await;
    fake.script(400, error("invalid_request_error"), None);
    let err = ask(&c).await.unwrap_err();
    assert!(
        matches!(err, ModelError::Refused { status: 400, ref kind, .. } if kind == "invalid_request_error"),
        "{err:?}"
    );
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn an_answer_that_is_not_the_json_asked_for_is_unusable() {
    let (c, fake) = client().await;
    for text in ["Sure! The deal is stalled.", "{\"stalled\": \"yes\"}"] {
        fake.script(
            200,
            message(json!([{ "type": "text", "text": text }])),
            None,
        );
        let err = ask(&c).await.unwrap_err();
        assert!(matches!(err, ModelError::Malformed(_)), "{text}: {err:?}");
    }
    fake.script(
        200,
        message(json!([{ "type": "thinking", "thinking": "..." }])),
        None,
    );
    assert!(matches!(
        ask(&c).await.unwrap_err(),
        ModelError::Malformed(_)
    ));
}
