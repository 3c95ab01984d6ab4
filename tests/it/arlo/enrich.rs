//! The hourly enrichment scan against fakes of Apollo and People Data
//! Labs: what a match writes (as arlo, a title only where none is set, the
//! company linked or created by its domain), no-match recorded and not
//! asked again, 429s waited out, the monthly credits kept.

use std::sync::{Arc, Mutex};

use axum::{
    extract::{Query as UrlQuery, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use redkey::{arlo::Arlo, config::Settings, enrich::Enricher};
use redkey_data::{enrichment, Actor};
use redkey_types::Company;
use serde_json::{json, Value};

use super::*;

/// Every request a fake got: (path, api key, the email asked about).
#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<(String, String, String)>>>);

impl Seen {
    fn emails(&self) -> Vec<String> {
        self.0.lock().unwrap().iter().map(|s| s.2.clone()).collect()
    }
}

const KNOWN: &str = "sarah.whitfield@meridian.test";

/// Apollo: knows Sarah (at a new company domain); a 429 on the first call.
async fn fake_apollo(seen: Seen) -> String {
    let app = Router::new()
        .route(
            "/api/v1/people/match",
            post(
                |State(seen): State<Seen>, headers: HeaderMap, Json(body): Json<Value>| async move {
                    let key = headers
                        .get("x-api-key")
                        .map(|v| v.to_str().unwrap().to_string());
                    let email = body["email"].as_str().unwrap_or_default().to_string();
                    let first = seen.0.lock().unwrap().is_empty();
                    seen.0.lock().unwrap().push((
                        "match".into(),
                        key.clone().unwrap_or_default(),
                        email.clone(),
                    ));
                    if key.as_deref() != Some("apollo-key") {
                        return StatusCode::UNAUTHORIZED.into_response();
                    }
                    if first {
                        return (
                            StatusCode::TOO_MANY_REQUESTS,
                            [("retry-after", "1")],
                            "slow down",
                        )
                            .into_response();
                    }
                    let person = (email == KNOWN).then(|| json!({
                    "title": "Chief Financial Officer",
                    "linkedin_url": "http://www.linkedin.com/in/sarah-whitfield",
                    "organization": { "name": "Meridian Health", "primary_domain": "meridian.test",
                        "industry": "hospital & health care", "estimated_num_employees": 180,
                        "linkedin_url": "http://www.linkedin.com/company/meridian" },
                }));
                    Json(json!({ "person": person })).into_response()
                },
            ),
        )
        .with_state(seen);
    crate::helpers::listen(app).await
}

fn settings(provider: &str, url: &str, extra: &[(&str, &str)]) -> Settings {
    let mut pairs = vec![
        ("REDKEY_ENRICH_PROVIDER", provider),
        ("REDKEY_ENRICH_BASE_URL", url),
        ("REDKEY_ENRICH_PER_MINUTE", "6000"),
    ];
    pairs.extend_from_slice(extra);
    Settings::from_pairs(&pairs).unwrap()
}

fn arlo_with(s: &Settings, key: &str) -> Arlo {
    let client = Enricher::new(&s.enrichment, secrecy::SecretString::from(key)).unwrap();
    Arlo::default().with_enrichment(client, s.enrichment.clone())
}

async fn scan(d: &Demo, engine: &Engine) -> Value {
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    let task = tasks::NewTask::new(
        "roles.crm",
        "enrichment.scan",
        json!({}),
        "timer:enrichment.scan".into(),
    );
    tasks::enqueue(&mut tx, &task).await.unwrap();
    tx.commit().await.unwrap();
    let ran = engine.run_one().await.unwrap().unwrap();
    let Outcome::Succeeded(v) = ran.outcome else {
        panic!("{ran:?}")
    };
    v
}

/// Leaves only Sarah Whitfield (her title set, so it must stay; no
/// company, so she is linked by domain) and one other contact due.
async fn two_due(d: &Demo) -> String {
    // As the owner in the client: the audit trail records these too.
    let mut tx = d.t.owner_tx(d.client).await;
    let other: String = sqlx::query_scalar(
        "SELECT emails_primary_email FROM people WHERE enriched_at IS NULL \
         AND emails_primary_email <> $1 ORDER BY created_at, id LIMIT 1",
    )
    .bind(KNOWN)
    .fetch_one(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE people SET enriched_at = now() WHERE enriched_at IS NULL \
         AND emails_primary_email NOT IN ($1, $2)",
    )
    .bind(KNOWN)
    .bind(&other)
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "UPDATE people SET company_id = NULL, enriched_at = NULL WHERE emails_primary_email = $1",
    )
    .bind(KNOWN)
    .execute(&mut *tx)
    .await
    .unwrap();
    tx.commit().await.unwrap();
    other
}

#[tokio::test]
async fn apollo_matches_write_operational_fields_and_no_match_is_not_asked_again() {
    let d = demo().await;
    let other = two_due(&d).await;
    let seen = Seen::default();
    let url = fake_apollo(seen.clone()).await;
    let s = settings("apollo", &url, &[]);
    let engine = d.engine(arlo_with(&s, "apollo-key"));
    let report = scan(&d, &engine).await;
    assert_eq!(
        (report["matched"].as_i64(), report["no_match"].as_i64()),
        (Some(1), Some(1)),
        "{report}"
    );
    // The first call met a 429 and was asked again after a second.
    assert_eq!(seen.emails().len(), 3);
    assert!(seen.0.lock().unwrap().iter().all(|s| s.1 == "apollo-key"));

    let sarah = d.contact(KNOWN).await;
    assert_eq!(
        sarah.job_title.as_deref(),
        Some("VP Finance"),
        "a title set stays"
    );
    assert_eq!(
        sarah.linkedin_url.as_deref(),
        Some("http://www.linkedin.com/in/sarah-whitfield")
    );
    assert!(sarah.enriched_at.is_some());
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    let meridian: Company = records::get(&mut tx, sarah.company_id.expect("linked by domain"))
        .await
        .unwrap();
    assert_eq!(meridian.name, "Meridian Health");
    assert_eq!(
        (meridian.employees, meridian.company_size.as_deref()),
        (Some(180), Some("51-200"))
    );
    assert_eq!(meridian.industry.as_deref(), Some("hospital & health care"));
    drop(tx);
    // Arlo wrote them, and no strategic field moved.
    let roles: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT acting_role FROM field_changes WHERE row_id = $1 \
         AND changed_at > now() - interval '1 minute' AND acting_role <> 'redkey_owner'",
    )
    .bind(sarah.id)
    .fetch_all(&d.t.owner)
    .await
    .unwrap();
    assert_eq!(roles, ["redkey_agent"]);

    // The miss is recorded: the next scan asks nobody.
    let again = scan(&d, &engine).await;
    assert_eq!(again["due"], 0, "{again}");
    assert_eq!(seen.emails().len(), 3);
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    let used = enrichment::billed_since(&mut tx, chrono::Utc::now() - chrono::Duration::days(1))
        .await
        .unwrap();
    assert_eq!(used, 2);
    assert!(seen.emails().contains(&other));
}

#[tokio::test]
async fn the_monthly_credits_stop_the_scan() {
    let d = demo().await;
    let seen = Seen::default();
    let url = fake_apollo(seen.clone()).await;
    let s = settings("apollo", &url, &[("REDKEY_ENRICH_MONTHLY_CREDITS", "2")]);
    let engine = d.engine(arlo_with(&s, "apollo-key"));
    let first = scan(&d, &engine).await;
    assert_eq!(first["due"], 2, "{first}");
    let second = scan(&d, &engine).await;
    assert_eq!(
        second["skipped"], "this month's enrichment credits are spent",
        "{second}"
    );
    // Two lookups billed, plus the one 429.
    assert_eq!(seen.emails().len(), 3);
}

/// People Data Labs: Sarah matches, everyone else is a 404 (not billed);
/// a wrong key is refused.
async fn fake_pdl(seen: Seen) -> String {
    let app = Router::new()
        .route(
            "/v5/person/enrich",
            get(|State(seen): State<Seen>, headers: HeaderMap, UrlQuery(q): UrlQuery<std::collections::HashMap<String, String>>| async move {
                let key = headers.get("x-api-key").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
                let email = q.get("email").cloned().unwrap_or_default();
                seen.0.lock().unwrap().push(("enrich".into(), key.clone(), email.clone()));
                let r: Response = if key != "pdl-key" {
                    (StatusCode::UNAUTHORIZED, Json(json!({"status": 401}))).into_response()
                } else if email == KNOWN {
                    Json(json!({ "status": 200, "likelihood": 9, "data": {
                        "job_title": "cfo", "job_company_name": "Meridian Health",
                        "job_company_website": "meridian.test", "job_company_size": "51-200",
                        "job_company_employee_count": 150, "job_company_industry": "hospital & health care",
                        "linkedin_url": "linkedin.com/in/sarah-whitfield" } })).into_response()
                } else {
                    (StatusCode::NOT_FOUND, Json(json!({ "status": 404,
                        "error": { "type": ["not_found"], "message": "No records were found" } }))).into_response()
                };
                r
            }),
        )
        .with_state(seen);
    crate::helpers::listen(app).await
}

#[tokio::test]
async fn people_data_labs_misses_are_recorded_and_not_billed() {
    let d = demo().await;
    two_due(&d).await;
    let seen = Seen::default();
    let url = fake_pdl(seen.clone()).await;
    let s = settings("pdl", &url, &[]);
    let engine = d.engine(arlo_with(&s, "pdl-key"));
    let report = scan(&d, &engine).await;
    assert_eq!(
        (report["matched"].as_i64(), report["no_match"].as_i64()),
        (Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(report["credits_used_this_month"], 1);
    let sarah = d.contact(KNOWN).await;
    assert_eq!(
        sarah.linkedin_url.as_deref(),
        Some("https://linkedin.com/in/sarah-whitfield")
    );
    assert_eq!(scan(&d, &engine).await["due"], 0);
    assert_eq!(seen.emails().len(), 2);

    // A wrong key fails the lookups and records nothing.
    let d = demo().await;
    let engine = d.engine(arlo_with(&s, "wrong"));
    let report = scan(&d, &engine).await;
    assert_eq!(report["matched"], 0, "{report}");
    assert!(report["errors"].as_i64().unwrap() > 0);
    let mut tx = d.t.tx(d.client, Actor::Agent).await;
    assert_eq!(
        enrichment::billed_since(&mut tx, chrono::Utc::now() - chrono::Duration::days(1))
            .await
            .unwrap(),
        0
    );
}
