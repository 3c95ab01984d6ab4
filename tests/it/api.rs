//! `/api/v1` over HTTP: bearer tokens, the error shape, limits, and the
//! OpenAPI document against the routes.

use std::net::SocketAddr;

use redkey::config::Settings;
use redkey_data::{tasks, tokens, Actor};
use redkey_testkit::TestDb;
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The API as the test harness runs it: with the test kinds.
async fn serve(t: &TestDb) -> SocketAddr {
    serve_with(t, &[("REDKEY_TEST_KINDS", "on")]).await
}

async fn serve_with(t: &TestDb, pairs: &[(&str, &str)]) -> SocketAddr {
    crate::helpers::spawn_app(t, &Settings::from_pairs(pairs).unwrap()).await
}

struct Api {
    base: String,
    http: reqwest::Client,
}

impl Api {
    fn new(addr: SocketAddr) -> Self {
        Self {
            base: format!("http://{addr}/api/v1"),
            http: reqwest::Client::new(),
        }
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let r = req.send().await.unwrap();
        let status = r.status();
        let body = r.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn create(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.send(
            self.http
                .post(format!("{}/tasks", self.base))
                .bearer_auth(token)
                .json(&body),
        )
        .await
    }

    async fn get(&self, token: Option<&str>, path: &str) -> (StatusCode, Value) {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        self.send(req).await
    }
}

fn assert_error(got: &(StatusCode, Value), status: u16, code: &str) {
    assert_eq!(got.0.as_u16(), status, "{:?}", got.1);
    assert_eq!(got.1["error"]["code"], code, "{:?}", got.1);
    assert!(got.1["error"]["message"]
        .as_str()
        .is_some_and(|m| !m.is_empty()));
}

async fn task_count(t: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM tasks")
        .fetch_one(&t.owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn tokens_gate_every_call_and_scope_it_to_one_client() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let api = Api::new(serve(&t).await);
    let (_, alpha) = tokens::create(&t.owner, "alpha", "ea").await.unwrap();
    let (beta_id, beta) = tokens::create(&t.owner, "beta", "ea").await.unwrap();
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM api_tokens LIMIT 1")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(stored.len(), 32, "only a SHA-256 is stored");

    let task = json!({ "topic": "roles.crm", "kind": "engine.echo", "payload": { "reply": 1 } });
    assert_error(
        &api.get(None, "/topics/roles.crm/messages").await,
        401,
        "unauthorized",
    );
    assert_error(
        &api.create("rk_not_a_token", task.clone()).await,
        401,
        "unauthorized",
    );

    let (status, created) = api.create(&alpha, task.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "queued");
    assert_eq!(created["created_by"], "agent:ea");
    let id = created["id"].as_str().unwrap();
    let (status, fetched) = api.get(Some(&alpha), &format!("/tasks/{id}")).await;
    assert_eq!((status, &fetched["id"]), (StatusCode::OK, &created["id"]));
    // Another client's token: not found, exactly like a missing id.
    assert_error(
        &api.get(Some(&beta), &format!("/tasks/{id}")).await,
        404,
        "not_found",
    );
    assert_error(
        &api.get(Some(&alpha), &format!("/tasks/{}", uuid::Uuid::new_v4()))
            .await,
        404,
        "not_found",
    );
    assert_error(
        &api.get(Some(&alpha), "/tasks/not-a-uuid").await,
        404,
        "not_found",
    );

    // A revoked token is refused from then on.
    assert!(tokens::revoke(&t.owner, beta_id).await.unwrap());
    assert_error(&api.create(&beta, task).await, 401, "unauthorized");
    assert_eq!(task_count(&t).await, 1);
}

#[tokio::test]
async fn bad_requests_get_the_error_shape_and_store_nothing() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let api = Api::new(serve(&t).await);
    let (_, token) = tokens::create(&t.owner, "alpha", "ea").await.unwrap();
    let post = |body: String, content_type: &'static str| {
        api.http
            .post(format!("{}/tasks", api.base))
            .bearer_auth(&token)
            .header("content-type", content_type)
            .body(body)
    };
    assert_error(
        &api.send(post("{\"topic\": ".into(), "application/json"))
            .await,
        400,
        "bad_request",
    );
    assert_error(
        &api.send(post("{}".into(), "text/plain")).await,
        415,
        "unsupported_media_type",
    );
    assert_error(
        &api.send(post(
            format!("{{\"topic\":\"{}\"}}", "x".repeat(70_000)),
            "application/json",
        ))
        .await,
        413,
        "payload_too_large",
    );
    for (body, field) in [
        (json!({ "topic": "roles.crm" }), Some("kind")),
        (json!({ "topic": "roles.crm", "kind": 7 }), Some("kind")),
        (
            json!({ "topic": "roles.crm", "kind": "engine.echo", "colour": "red" }),
            Some("colour"),
        ),
        (
            json!({ "topic": "Roles..CRM", "kind": "engine.echo" }),
            Some("topic"),
        ),
        (
            json!({ "topic": "roles.crm", "kind": "launch.rockets" }),
            Some("kind"),
        ),
        (
            json!({ "topic": "roles.crm", "kind": "topic.forward" }),
            Some("kind"),
        ),
        (
            json!({ "topic": "roles.crm", "kind": "engine.echo", "payload": [1] }),
            Some("payload"),
        ),
        // Each kind's payload is checked when the task is created.
        (
            json!({ "topic": "roles.crm", "kind": "activity.log",
                    "payload": { "kind": "meeting" } }),
            Some("payload.contact_email"),
        ),
        (
            json!({ "topic": "roles.crm", "kind": "activity.log",
                    "payload": { "contact_email": "not an address", "kind": "meeting" } }),
            Some("payload.contact_email"),
        ),
        (
            json!({ "topic": "roles.crm", "kind": "activity.log",
                    "payload": { "contact_email": "ada@alpha.test", "kind": "email_sent" } }),
            Some("payload.kind"),
        ),
        (
            json!({ "topic": "roles.crm", "kind": "engine.echo",
                    "payload": { "fail": "sometimes" } }),
            Some("payload.fail"),
        ),
        (
            json!({ "topic": "roles.crm", "kind": "activity.log",
                    "payload": { "contact_email": "ada@alpha.test", "kind": "call", "surprise": true } }),
            Some("payload.surprise"),
        ),
        (
            json!({ "topic": "roles.crm", "kind": "engine.echo", "priority": 1000 }),
            Some("priority"),
        ),
        (
            json!({ "topic": "roles.crm", "kind": "engine.echo", "max_attempts": 0 }),
            Some("max_attempts"),
        ),
        (
            json!({ "topic": "roles.crm", "kind": "engine.echo", "dedupe_key": "" }),
            Some("dedupe_key"),
        ),
    ] {
        let got = api.create(&token, body.clone()).await;
        assert_error(&got, 422, "invalid");
        assert_eq!(
            got.1["error"].get("field").and_then(Value::as_str),
            field,
            "{body}"
        );
    }
    assert_error(
        &api.get(Some(&token), "/topics/roles.exec/messages?after=-1")
            .await,
        422,
        "invalid",
    );
    assert_error(
        &api.get(Some(&token), "/topics/roles.exec/messages?limit=9999")
            .await,
        422,
        "invalid",
    );
    assert_error(
        &api.get(Some(&token), "/no/such/thing").await,
        404,
        "not_found",
    );
    assert_eq!(task_count(&t).await, 0);
}

#[tokio::test]
async fn a_dedupe_key_returns_the_unfinished_task() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let api = Api::new(serve(&t).await);
    let (_, token) = tokens::create(&t.owner, "alpha", "ea").await.unwrap();
    let body = json!({ "topic": "roles.crm", "kind": "engine.echo", "dedupe_key": "probe:ada" });
    let (s1, first) = api.create(&token, body.clone()).await;
    let (s2, second) = api.create(&token, body).await;
    assert_eq!((s1, s2), (StatusCode::CREATED, StatusCode::OK));
    assert_eq!(first["id"], second["id"]);
    assert_eq!(task_count(&t).await, 1);
}

#[tokio::test]
async fn topic_messages_read_with_a_cursor_within_the_client() {
    let t = TestDb::new().await;
    let (a, b, _) = t.two_clients().await;
    for (client, n) in [(a, 3), (b, 2)] {
        let mut tx = t.tx(client, Actor::Agent).await;
        for i in 0..n {
            tasks::post_message(&mut tx, "roles.exec", &json!({ "n": i }), None)
                .await
                .unwrap();
        }
        tasks::post_message(&mut tx, "roles.other", &json!({}), None)
            .await
            .unwrap();
        tx.commit().await.unwrap();
    }
    let api = Api::new(serve(&t).await);
    let (_, token) = tokens::create(&t.owner, "alpha", "ea").await.unwrap();
    let (status, page) = api
        .get(Some(&token), "/topics/roles.exec/messages?limit=2")
        .await;
    assert_eq!(status, StatusCode::OK);
    let ns: Vec<i64> = page["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"]["n"].as_i64().unwrap())
        .collect();
    assert_eq!(ns, [0, 1]);
    let after = page["next_after"].as_i64().unwrap();
    let (_, rest) = api
        .get(
            Some(&token),
            &format!("/topics/roles.exec/messages?after={after}"),
        )
        .await;
    let rest = rest["messages"].as_array().unwrap();
    assert_eq!(rest.len(), 1, "only alpha's third message: {rest:?}");
    assert_eq!(rest[0]["body"]["n"], 2);
}

#[tokio::test]
async fn the_openapi_document_matches_the_routes() {
    let t = TestDb::new().await;
    let addr = serve(&t).await;
    let api = Api::new(addr);
    let (status, doc) = api.get(None, "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let methods = ["get", "post", "put", "patch", "delete"];
    let mut documented = 0;
    for (path, ops) in paths {
        let concrete = path
            .replace("{id}", &uuid::Uuid::new_v4().to_string())
            .replace("{topic}", "roles.exec");
        for m in methods {
            let url = format!("http://{addr}{concrete}");
            let r = api
                .http
                .request(m.to_uppercase().parse().unwrap(), &url)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            if let Some(op) = ops.get(m) {
                documented += 1;
                // Routed, and guarded unless the document says it is public.
                let public = op.get("security").is_some_and(|s| s == &json!([]));
                assert_eq!(r, if public { 200 } else { 401 }, "{m} {path}");
                for code in op["responses"].as_object().unwrap().keys() {
                    assert!(code.parse::<u16>().is_ok(), "{m} {path} {code}");
                }
            } else {
                assert_eq!(r, 405, "{m} {path} answers but is not documented");
            }
        }
    }
    assert_eq!(documented, 4);
    // Every schema reference resolves.
    let text = doc.to_string();
    for r in text.split("\"$ref\":\"#/components/").skip(1) {
        let target = r.split('"').next().unwrap();
        let mut node = &doc["components"];
        for part in target.split('/') {
            node = &node[part];
        }
        assert!(!node.is_null(), "dangling $ref {target}");
    }
}

#[tokio::test]
async fn agents_create_only_the_kinds_meant_for_them() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let (_, token) = tokens::create(&t.owner, "alpha", "ea").await.unwrap();
    // As deployed: no test kinds.
    let api = Api::new(serve_with(&t, &[]).await);
    for kind in [
        "engine.echo",
        "sequence.step",
        "pipeline.health",
        "enrichment.scan",
        "topic.forward",
    ] {
        let got = api
            .create(&token, json!({ "topic": "roles.crm", "kind": kind }))
            .await;
        assert_error(&got, 422, "invalid");
        assert_eq!(got.1["error"]["field"], "kind", "{kind}");
    }
    let logged = json!({ "topic": "roles.crm", "kind": "activity.log",
                         "payload": { "contact_email": "ada@alpha.test", "kind": "call" } });
    assert_eq!(api.create(&token, logged).await.0, StatusCode::CREATED);
    assert_eq!(task_count(&t).await, 1);
}

#[tokio::test]
async fn past_the_queued_limit_the_api_asks_to_come_back_later() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let (_, alpha) = tokens::create(&t.owner, "alpha", "ea").await.unwrap();
    let (_, beta) = tokens::create(&t.owner, "beta", "ea").await.unwrap();
    let addr = serve_with(
        &t,
        &[("REDKEY_TEST_KINDS", "on"), ("REDKEY_API_QUEUED", "2")],
    )
    .await;
    let api = Api::new(addr);
    let echo =
        |key: &str| json!({ "topic": "roles.crm", "kind": "engine.echo", "dedupe_key": key });
    assert_eq!(api.create(&alpha, echo("one")).await.0, StatusCode::CREATED);
    assert_eq!(api.create(&alpha, echo("two")).await.0, StatusCode::CREATED);
    let r = reqwest::Client::new()
        .post(format!("http://{addr}/api/v1/tasks"))
        .bearer_auth(&alpha)
        .json(&echo("three"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "30");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_tasks");
    // Asking again for a task that is queued still answers with it.
    assert_eq!(api.create(&alpha, echo("one")).await.0, StatusCode::OK);
    // The limit is per client.
    assert_eq!(api.create(&beta, echo("one")).await.0, StatusCode::CREATED);
    assert_eq!(task_count(&t).await, 3);
}

#[tokio::test]
async fn what_a_fuzzer_found_is_answered_as_documented() {
    let t = TestDb::new().await;
    t.two_clients().await;
    let api = Api::new(serve(&t).await);
    let (_, token) = tokens::create(&t.owner, "alpha", "ea").await.unwrap();
    // Postgres cannot store NUL in jsonb: a 422 naming the field, not a 500.
    let got = api
        .create(
            &token,
            json!({ "topic": "roles.crm", "kind": "engine.echo",
                    "payload": { "reply": "a\u{0}b" } }),
        )
        .await;
    assert_error(&got, 422, "invalid");
    assert_eq!(got.1["error"]["field"], "payload.reply");
    let got = api
        .create(
            &token,
            json!({ "topic": "roles.crm", "kind": "engine.echo", "dedupe_key": "a\u{0}" }),
        )
        .await;
    assert_error(&got, 422, "invalid");
    // Nullable fields are optional, and JSON Schema's integers include 80.0.
    let got = api
        .create(
            &token,
            json!({ "topic": "roles.crm", "kind": "engine.echo", "dedupe_key": null,
                    "payload": null, "priority": null, "run_at": null, "max_attempts": 80.0 }),
        )
        .await;
    assert_eq!(got.0, StatusCode::CREATED, "{}", got.1);
    assert_eq!(got.1["max_attempts"], 80);
    let got = api
        .create(
            &token,
            json!({ "topic": "roles.crm", "kind": "engine.echo", "priority": 1.5 }),
        )
        .await;
    assert_error(&got, 422, "invalid");
    assert_eq!(task_count(&t).await, 1);
}
