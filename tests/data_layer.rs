//! The data-layer contract against a real Postgres: client scoping,
//! strategic/operational separation, pipeline functions, audit, soft
//! delete, and that the serving roles reach only the views.

mod common;

use app::{
    model::{Contact, ContactSort, EmailAddress, Priority},
    ssr::db::{
        self,
        audit::{self, Kind},
        companies::{self, CompanyField},
        contacts::{self, ContactField, ContactQuery},
        deals::{self, DealField},
        pipeline, Actor, ClientId, DbError, FieldClass, Tx,
    },
};
use chrono::{TimeZone, Utc};
use common::TestDb;
use sqlx::Connection;
use uuid::Uuid;

fn email(s: &str) -> Option<EmailAddress> {
    Some(EmailAddress::parse(s).unwrap())
}

async fn new_contact(t: &TestDb, client: ClientId, actor: Actor, first: &str) -> Uuid {
    let mut tx = t.db.begin(client, actor).await.unwrap();
    let c = contacts::create(
        &mut tx,
        vec![
            ContactField::FirstName(first.into()),
            ContactField::LastName("Tester".into()),
            ContactField::Email(email(&format!("{}@example.test", first.to_lowercase()))),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    c.id
}

/// A pipeline with three stages and `n` deals in the first stage.
async fn board(tx: &mut Tx, n: usize) -> (Uuid, Vec<Uuid>, Vec<Uuid>) {
    let p = pipeline::create_pipeline(tx, "Sales").await.unwrap();
    let mut stages = vec![];
    for (name, prob) in [("Lead", 10), ("Proposal", 50), ("Won", 100)] {
        stages.push(
            pipeline::create_stage(tx, p, name, prob, name == "Won", false)
                .await
                .unwrap(),
        );
    }
    let mut ds = vec![];
    for i in 0..n {
        let d = deals::create(
            tx,
            vec![
                DealField::Name(format!("Deal {i}")),
                DealField::Pipeline(p),
                DealField::Stage(stages[0]),
                DealField::AmountMicros(Some(1_000_000 * (i as i64 + 1))),
            ],
        )
        .await
        .unwrap();
        ds.push(d.id);
    }
    (p, stages, ds)
}

async fn positions(tx: &mut Tx, stage: Uuid) -> Vec<(Uuid, f64)> {
    sqlx::query_as("SELECT id, position FROM crm_deals WHERE stage_id = $1 ORDER BY position")
        .bind(stage)
        .fetch_all(tx.conn())
        .await
        .unwrap()
}

#[tokio::test]
async fn clients_are_isolated_both_ways() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let in_a = new_contact(&t, a, human, "Ann").await;
    let in_b = new_contact(&t, b, human, "Ben").await;

    for (mine, theirs, client) in [(in_a, in_b, a), (in_b, in_a, b)] {
        let mut tx = t.db.begin(client, human).await.unwrap();
        assert!(contacts::get(&mut tx, mine).await.is_ok());
        assert!(matches!(
            contacts::get(&mut tx, theirs).await,
            Err(DbError::NotFound)
        ));
        let page = contacts::page(&mut tx, &Default::default(), 100)
            .await
            .unwrap();
        assert_eq!(page.iter().map(|c| c.id).collect::<Vec<_>>(), vec![mine]);
        // A write aimed at the other client's row reads as "not found".
        let r = contacts::update(&mut tx, theirs, vec![ContactField::FirstName("X".into())]).await;
        assert!(matches!(r, Err(DbError::NotFound)), "{r:?}");
        let r = audit::archive(&mut tx, Kind::Contact, theirs).await;
        assert!(matches!(r, Err(DbError::NotFound)), "{r:?}");
    }
    let mut tx = t.db.begin(b, human).await.unwrap();
    assert_eq!(
        contacts::get(&mut tx, in_b).await.unwrap().first_name,
        "Ben"
    );
}

#[tokio::test]
async fn without_a_client_every_view_is_empty() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    new_contact(&t, a, human, "Ann").await;
    let mut conn = t.serving.acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE redkey_human")
        .execute(&mut *tx)
        .await
        .unwrap();
    for view in [
        "crm_contacts",
        "crm_companies",
        "crm_deals",
        "crm_activities",
        "crm_pipeline",
        "crm_clients",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {view}"))
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        assert_eq!(n, 0, "{view} leaked rows with no client set");
    }
}

#[tokio::test]
async fn a_forgotten_set_role_reads_nothing() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    new_contact(&t, a, human, "Ann").await;
    let mut conn = t.serving.acquire().await.unwrap();
    let mut tx = conn.begin().await.unwrap();
    sqlx::query("SELECT set_config('redkey.client_id', $1, true)")
        .bind(a.0.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("SELECT * FROM crm_contacts")
        .fetch_all(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(err.as_database_error().unwrap().code().unwrap(), "42501");
}

#[tokio::test]
async fn serving_roles_have_no_privilege_on_layer_one_tables() {
    let t = TestDb::new().await;
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = 'public' AND tablename <> '_sqlx_migrations'",
    )
    .fetch_all(&t.owner)
    .await
    .unwrap();
    assert!(tables.len() >= 15, "{tables:?}");
    for role in ["redkey_human", "redkey_agent", "redkey_app"] {
        for table in &tables {
            for privilege in ["SELECT", "INSERT", "UPDATE", "DELETE"] {
                let has: bool = sqlx::query_scalar("SELECT has_table_privilege($1, $2, $3)")
                    .bind(role)
                    .bind(format!("public.{table}"))
                    .bind(privilege)
                    .fetch_one(&t.owner)
                    .await
                    .unwrap();
                assert!(!has, "{role} has {privilege} on {table}");
                let any_column: bool =
                    sqlx::query_scalar("SELECT has_any_column_privilege($1, $2, $3)")
                        .bind(role)
                        .bind(format!("public.{table}"))
                        .bind(privilege)
                        .fetch_one(&t.owner)
                        .await
                        .unwrap_or(false);
                assert!(!any_column, "{role} has column {privilege} on {table}");
            }
        }
    }
    // And trying is refused by Postgres itself.
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.db.begin(a, human).await.unwrap();
    let err = sqlx::query("SELECT * FROM people")
        .fetch_all(tx.conn())
        .await
        .unwrap_err();
    assert_eq!(err.as_database_error().unwrap().code().unwrap(), "42501");
}

#[tokio::test]
async fn the_views_check_option_holds_even_with_row_security_off() {
    let t = TestDb::new().await;
    let (a, b, _) = t.two_clients().await;
    // Defence in depth: switch off the first line (RLS) on this throwaway
    // database and show the view's own check option still refuses a row
    // aimed at another client.
    sqlx::query("ALTER TABLE people NO FORCE ROW LEVEL SECURITY")
        .execute(&t.owner)
        .await
        .unwrap();
    sqlx::query("ALTER TABLE people DISABLE ROW LEVEL SECURITY")
        .execute(&t.owner)
        .await
        .unwrap();
    let mut tx = t.owner.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE redkey_owner")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SELECT set_config('redkey.client_id', $1, true)")
        .bind(a.0.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("INSERT INTO crm_contacts (client_id, first_name) VALUES ($1, 'Eve')")
        .bind(b.0)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    let db_err = err.as_database_error().unwrap();
    assert_eq!(db_err.code().unwrap(), "44000", "{}", db_err.message());
    assert!(matches!(DbError::from(err), DbError::Invalid(_)));
}

#[tokio::test]
async fn row_security_alone_refuses_another_clients_row() {
    let t = TestDb::new().await;
    let (a, b, _) = t.two_clients().await;
    let mut tx = t.owner.begin().await.unwrap();
    sqlx::query("SET LOCAL ROLE redkey_owner")
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SELECT set_config('redkey.client_id', $1, true)")
        .bind(a.0.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("INSERT INTO people (workspace_id, name_first_name) VALUES ($1, 'Eve')")
        .bind(b.0)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert_eq!(err.as_database_error().unwrap().code().unwrap(), "42501");
}

#[tokio::test]
async fn the_agent_cannot_write_any_strategic_field() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let contact = new_contact(&t, a, human, "Ann").await;
    let mut tx = t.db.begin(a, human).await.unwrap();
    let company = companies::create(&mut tx, vec![CompanyField::Name("Acme".into())])
        .await
        .unwrap()
        .id;
    let (_, _, ds) = board(&mut tx, 1).await;
    tx.commit().await.unwrap();
    let when = Some(Utc.with_ymd_and_hms(2027, 1, 5, 9, 0, 0).unwrap());

    // (column, the same change attempted on a contact, a company, a deal)
    type Case = (
        &'static str,
        Vec<ContactField>,
        Vec<CompanyField>,
        Vec<DealField>,
    );
    let cases: Vec<Case> = vec![
        (
            "priority",
            vec![ContactField::Priority(Some(Priority::High))],
            vec![CompanyField::Priority(Some(Priority::High))],
            vec![DealField::Priority(Some(Priority::High))],
        ),
        (
            "strategy_note",
            vec![ContactField::StrategyNote(Some("x".into()))],
            vec![CompanyField::StrategyNote(Some("x".into()))],
            vec![DealField::StrategyNote(Some("x".into()))],
        ),
        (
            "recontact_at",
            vec![ContactField::RecontactAt(when)],
            vec![],
            vec![DealField::RecontactAt(when)],
        ),
        (
            "relationship_note",
            vec![ContactField::RelationshipNote(Some("x".into()))],
            vec![],
            vec![],
        ),
        (
            "account_owner_id",
            vec![],
            vec![CompanyField::AccountOwner(None)],
            vec![],
        ),
        (
            "ideal_customer_profile",
            vec![],
            vec![CompanyField::IdealCustomerProfile(true)],
            vec![],
        ),
        (
            "amount_micros",
            vec![],
            vec![],
            vec![DealField::AmountMicros(Some(5))],
        ),
        (
            "currency_code",
            vec![],
            vec![],
            vec![DealField::Currency("EUR".into())],
        ),
        (
            "close_date",
            vec![],
            vec![],
            vec![DealField::CloseDate(None)],
        ),
        ("owner_id", vec![], vec![], vec![DealField::Owner(None)]),
    ];
    let mut checked = 0;
    for (column, cf, kf, df) in cases {
        let mut results = vec![];
        if !cf.is_empty() {
            let mut tx = t.db.begin(a, Actor::Agent).await.unwrap();
            results.push(contacts::update(&mut tx, contact, cf).await.map(|_| ()));
        }
        if !kf.is_empty() {
            let mut tx = t.db.begin(a, Actor::Agent).await.unwrap();
            results.push(companies::update(&mut tx, company, kf).await.map(|_| ()));
        }
        if !df.is_empty() {
            let mut tx = t.db.begin(a, Actor::Agent).await.unwrap();
            results.push(deals::update(&mut tx, ds[0], df).await.map(|_| ()));
        }
        for r in results {
            match r {
                Err(DbError::FieldForbidden {
                    column: c,
                    class: FieldClass::Strategic,
                    ..
                }) => {
                    assert_eq!(c, column);
                    checked += 1;
                }
                other => panic!("agent wrote strategic {column}: {other:?}"),
            }
        }
    }
    assert_eq!(checked, 15);
    // An agent-created contact carries no strategic values.
    let mut tx = t.db.begin(a, Actor::Agent).await.unwrap();
    let r = contacts::create(
        &mut tx,
        vec![
            ContactField::FirstName("Zed".into()),
            ContactField::Priority(Some(Priority::Low)),
        ],
    )
    .await;
    assert!(
        matches!(
            r,
            Err(DbError::FieldForbidden {
                class: FieldClass::Strategic,
                ..
            })
        ),
        "{r:?}"
    );
    // Nothing changed.
    let mut tx = t.db.begin(a, human).await.unwrap();
    let c = contacts::get(&mut tx, contact).await.unwrap();
    assert_eq!((c.priority, c.strategy_note), (None, None));
}

#[tokio::test]
async fn the_human_cannot_write_any_operational_field() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let contact = new_contact(&t, a, human, "Ann").await;
    let mut tx = t.db.begin(a, human).await.unwrap();
    let company = companies::create(&mut tx, vec![CompanyField::Name("Acme".into())])
        .await
        .unwrap()
        .id;
    let (_, _, ds) = board(&mut tx, 1).await;
    tx.commit().await.unwrap();
    let now = Some(Utc::now());
    let contact_cases = vec![
        ContactField::LastActivityAt(now),
        ContactField::EnrichedAt(now),
        ContactField::EmailThreadCount(3),
        ContactField::OpenCount(3),
        ContactField::LinkedinUrl(Some("https://linkedin.test/in/ann".into())),
        ContactField::SequenceStep(Some(1)),
        ContactField::SequenceEnrolledAt(now),
    ];
    let company_cases = vec![
        CompanyField::LastActivityAt(now),
        CompanyField::EnrichedAt(now),
        CompanyField::LinkedinUrl(None),
        CompanyField::Employees(Some(10)),
        CompanyField::CompanySize(Some("11-50".into())),
        CompanyField::Industry(Some("Retail".into())),
    ];
    let mut refused = vec![];
    for f in contact_cases {
        let mut tx = t.db.begin(a, human).await.unwrap();
        refused.push(
            contacts::update(&mut tx, contact, vec![f])
                .await
                .map(|_| ()),
        );
    }
    for f in company_cases {
        let mut tx = t.db.begin(a, human).await.unwrap();
        refused.push(
            companies::update(&mut tx, company, vec![f])
                .await
                .map(|_| ()),
        );
    }
    let mut tx = t.db.begin(a, human).await.unwrap();
    refused.push(
        deals::update(&mut tx, ds[0], vec![DealField::LastActivityAt(now)])
            .await
            .map(|_| ()),
    );
    assert_eq!(refused.len(), 14);
    for r in refused {
        assert!(
            matches!(
                &r,
                Err(DbError::FieldForbidden {
                    class: FieldClass::Operational,
                    ..
                })
            ),
            "{r:?}"
        );
        assert!(r.unwrap_err().to_string().contains("arlo maintains it"));
    }
    // Identity fields are open to both.
    for actor in [human, Actor::Agent] {
        let mut tx = t.db.begin(a, actor).await.unwrap();
        contacts::update(
            &mut tx,
            contact,
            vec![ContactField::JobTitle(Some("CFO".into()))],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}

#[tokio::test]
async fn the_pipeline_view_is_read_only_and_totals_deals() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.db.begin(a, human).await.unwrap();
    let (_, stages, _) = board(&mut tx, 3).await;
    tx.commit().await.unwrap();
    let mut tx = t.db.begin(a, human).await.unwrap();
    let view = pipeline::stages(&mut tx).await.unwrap();
    assert_eq!(view.len(), 3);
    assert_eq!(
        (view[0].stage_id, view[0].deal_count, view[0].amount_micros),
        (stages[0], 3, 6_000_000)
    );
    assert_eq!(view[0].weighted_amount_micros, 600_000);
    for sql in [
        "UPDATE crm_pipeline SET stage_name = 'Hacked'",
        "DELETE FROM crm_pipeline",
        "INSERT INTO crm_pipeline (stage_name) VALUES ('x')",
    ] {
        let mut tx = t.db.begin(a, human).await.unwrap();
        let err = sqlx::query(sql).execute(tx.conn()).await.unwrap_err();
        // Refused either as not updatable (55000) or for privilege (42501).
        let code = err.as_database_error().unwrap().code().unwrap().to_string();
        assert!(code == "42501" || code == "55000", "{sql}: {code}");
    }
    // A deal's stage is not writable directly, by anyone.
    for actor in [human, Actor::Agent] {
        let mut tx = t.db.begin(a, actor).await.unwrap();
        let err = sqlx::query("UPDATE crm_deals SET stage_id = $1")
            .bind(stages[1])
            .execute(tx.conn())
            .await
            .unwrap_err();
        assert_eq!(err.as_database_error().unwrap().code().unwrap(), "42501");
    }
}

#[tokio::test]
async fn moving_a_deal_reorders_both_columns_and_is_human_only() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.db.begin(a, human).await.unwrap();
    let (_, stages, ds) = board(&mut tx, 4).await;
    tx.commit().await.unwrap();

    let mut tx = t.db.begin(a, human).await.unwrap();
    deals::move_to(&mut tx, ds[3], stages[0], 0).await.unwrap();
    let order: Vec<Uuid> = positions(&mut tx, stages[0])
        .await
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(order, vec![ds[3], ds[0], ds[1], ds[2]]);
    let before = deals::get(&mut tx, ds[1]).await.unwrap().stage_changed_at;
    deals::move_to(&mut tx, ds[1], stages[1], 5).await.unwrap();
    assert_eq!(
        positions(&mut tx, stages[0]).await,
        vec![(ds[3], 0.0), (ds[0], 1.0), (ds[2], 2.0)]
    );
    assert_eq!(positions(&mut tx, stages[1]).await, vec![(ds[1], 0.0)]);
    let moved = deals::get(&mut tx, ds[1]).await.unwrap();
    assert_eq!(moved.stage_id, stages[1]);
    assert!(moved.stage_changed_at >= before);
    tx.commit().await.unwrap();

    let mut tx = t.db.begin(a, Actor::Agent).await.unwrap();
    let r = deals::move_to(&mut tx, ds[0], stages[2], 0).await;
    assert!(matches!(r, Err(DbError::Forbidden(_))), "{r:?}");
}

#[tokio::test]
async fn audit_records_role_user_and_instruction() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let Actor::User(user) = human else {
        unreachable!()
    };
    let contact = new_contact(&t, a, human, "Ann").await;

    let mut tx = t.db.begin(a, human).await.unwrap();
    contacts::update(
        &mut tx,
        contact,
        vec![ContactField::Priority(Some(Priority::High))],
    )
    .await
    .unwrap();
    let instruction = db::store_instruction(&mut tx, "justin via atlas", "Mark Ann as critical")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.db.begin(a, Actor::Agent).await.unwrap();
    contacts::update(&mut tx, contact, vec![ContactField::OpenCount(2)])
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.db.begin(a, Actor::OnBehalfOf(instruction)).await.unwrap();
    contacts::update(
        &mut tx,
        contact,
        vec![ContactField::Priority(Some(Priority::Critical))],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut tx = t.db.begin(a, human).await.unwrap();
    let changes = audit::changes_of(&mut tx, contact).await.unwrap();
    let summary: Vec<(&str, &str, Option<Uuid>, Option<Uuid>)> = changes
        .iter()
        .map(|c| {
            (
                c.column_name.as_str(),
                c.acting_role.as_str(),
                c.user_id,
                c.on_behalf_of,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("priority", "redkey_human", None, Some(instruction)),
            ("open_count", "redkey_agent", None, None),
            ("priority", "redkey_human", Some(user), None),
        ]
    );
    assert_eq!(changes[0].old_value, Some(serde_json::json!("high")));
    assert_eq!(changes[0].new_value, Some(serde_json::json!("critical")));
}

#[tokio::test]
async fn a_strategic_change_needs_a_user_or_a_stored_instruction() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let contact = new_contact(&t, a, human, "Ann").await;
    // As redkey_human but with neither a user nor an instruction.
    let mut tx = t.serving.begin().await.unwrap();
    sqlx::query("SELECT set_config('redkey.client_id', $1, true)")
        .bind(a.0.to_string())
        .execute(&mut *tx)
        .await
        .unwrap();
    sqlx::query("SET LOCAL ROLE redkey_human")
        .execute(&mut *tx)
        .await
        .unwrap();
    let err = sqlx::query("UPDATE crm_contacts SET priority = 'high' WHERE id = $1")
        .bind(contact)
        .execute(&mut *tx)
        .await
        .unwrap_err();
    assert!(matches!(DbError::from(err), DbError::NoAuthority(_)));
    // An instruction id that was never stored is refused too.
    let mut tx =
        t.db.begin(a, Actor::OnBehalfOf(Uuid::new_v4()))
            .await
            .unwrap();
    let r = contacts::update(
        &mut tx,
        contact,
        vec![ContactField::Priority(Some(Priority::High))],
    )
    .await;
    assert!(r.is_err(), "{r:?}");
}

#[tokio::test]
async fn soft_delete_hides_and_restore_returns() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let contact = new_contact(&t, a, human, "Ann").await;
    let mut tx = t.db.begin(a, human).await.unwrap();
    audit::archive(&mut tx, Kind::Contact, contact)
        .await
        .unwrap();
    assert!(matches!(
        contacts::get(&mut tx, contact).await,
        Err(DbError::NotFound)
    ));
    assert!(contacts::page(&mut tx, &Default::default(), 10)
        .await
        .unwrap()
        .is_empty());
    tx.commit().await.unwrap();
    let mut tx = t.db.begin(a, human).await.unwrap();
    assert!(matches!(
        audit::archive(&mut tx, Kind::Contact, contact).await,
        Err(DbError::NotFound)
    ));
    let mut tx = t.db.begin(a, human).await.unwrap();
    // The freed email may be reused, and then restoring the old row clashes.
    contacts::create(
        &mut tx,
        vec![
            ContactField::FirstName("New".into()),
            ContactField::Email(email("ann@example.test")),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.db.begin(a, human).await.unwrap();
    let r = audit::restore(&mut tx, Kind::Contact, contact).await;
    assert!(
        matches!(&r, Err(DbError::Conflict(m)) if m.contains("email already exists")),
        "{r:?}"
    );
    let other = new_contact(&t, a, human, "Bob").await;
    let mut tx = t.db.begin(a, human).await.unwrap();
    audit::archive(&mut tx, Kind::Contact, other).await.unwrap();
    audit::restore(&mut tx, Kind::Contact, other).await.unwrap();
    assert_eq!(
        contacts::get(&mut tx, other).await.unwrap().first_name,
        "Bob"
    );
}

#[tokio::test]
async fn references_into_another_client_are_refused() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let mut tx = t.db.begin(b, human).await.unwrap();
    let b_company = companies::create(&mut tx, vec![CompanyField::Name("Beta Co".into())])
        .await
        .unwrap()
        .id;
    let (b_pipeline, b_stages, _) = board(&mut tx, 0).await;
    tx.commit().await.unwrap();

    let mut tx = t.db.begin(a, human).await.unwrap();
    let r = contacts::create(
        &mut tx,
        vec![
            ContactField::FirstName("Ann".into()),
            ContactField::Company(Some(b_company)),
        ],
    )
    .await;
    assert!(
        matches!(&r, Err(DbError::Invalid(m)) if m == "company not found"),
        "{r:?}"
    );
    let mut tx = t.db.begin(a, human).await.unwrap();
    let r = deals::create(
        &mut tx,
        vec![
            DealField::Name("Steal".into()),
            DealField::Pipeline(b_pipeline),
            DealField::Stage(b_stages[0]),
        ],
    )
    .await;
    assert!(
        matches!(&r, Err(DbError::Invalid(m)) if m == "stage not found"),
        "{r:?}"
    );
    let mut tx = t.db.begin(a, human).await.unwrap();
    let (_, _, a_deals) = board(&mut tx, 1).await;
    let r = deals::move_to(&mut tx, a_deals[0], b_stages[1], 0).await;
    assert!(matches!(r, Err(DbError::NotFound)), "{r:?}");
}

#[tokio::test]
async fn duplicate_emails_are_a_clear_conflict_case_insensitively() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    new_contact(&t, a, human, "Ann").await;
    let mut tx = t.db.begin(a, human).await.unwrap();
    let r = contacts::create(
        &mut tx,
        vec![
            ContactField::FirstName("Dup".into()),
            ContactField::Email(email("ANN@example.test")),
        ],
    )
    .await;
    assert!(
        matches!(&r, Err(DbError::Conflict(m)) if m.contains("already exists")),
        "{r:?}"
    );
    // Another client may hold the same address.
    new_contact(&t, b, human, "Ann").await;
}

#[tokio::test]
async fn search_finds_by_name_email_and_company_within_the_client_only() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let mut tx = t.db.begin(a, human).await.unwrap();
    let acme = companies::create(&mut tx, vec![CompanyField::Name("Acme Rockets".into())])
        .await
        .unwrap();
    let ann = contacts::create(
        &mut tx,
        vec![
            ContactField::FirstName("Ann".into()),
            ContactField::LastName("Lee".into()),
            ContactField::Email(email("ann@lee.test")),
            ContactField::Company(Some(acme.id)),
        ],
    )
    .await
    .unwrap();
    contacts::create(
        &mut tx,
        vec![
            ContactField::FirstName("Bob".into()),
            ContactField::LastName("Stone".into()),
        ],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    new_contact(&t, b, human, "Annabel").await;

    let mut tx = t.db.begin(a, human).await.unwrap();
    for q in ["ann", "LEE", "lee.test", "rockets", "ann lee"] {
        let hits: Vec<Uuid> = contacts::page(&mut tx, &searching(q), 10)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(hits, vec![ann.id], "query {q:?}");
    }
    assert!(contacts::page(&mut tx, &searching("100%_"), 10)
        .await
        .unwrap()
        .is_empty());
    // Renaming the company re-indexes its people; archiving drops them.
    companies::update(&mut tx, acme.id, vec![CompanyField::Name("Zenith".into())])
        .await
        .unwrap();
    assert_eq!(
        contacts::page(&mut tx, &searching("zenith"), 10)
            .await
            .unwrap()
            .len(),
        1
    );
    audit::archive(&mut tx, Kind::Contact, ann.id)
        .await
        .unwrap();
    assert!(contacts::page(&mut tx, &searching("ann"), 10)
        .await
        .unwrap()
        .is_empty());
}

fn searching(q: &str) -> ContactQuery<'_> {
    ContactQuery {
        search: Some(q),
        ..Default::default()
    }
}

#[tokio::test]
async fn keyset_pages_cover_every_contact_once_in_every_order() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    // Ties on purpose: names repeat, activity times repeat, some are never active.
    let mut tx = t.db.begin(a, Actor::Agent).await.unwrap();
    let base = chrono::Utc::now() - chrono::Duration::days(1);
    for i in 0..25 {
        let active = (i % 4 != 0).then(|| base + chrono::Duration::minutes(i % 6));
        contacts::create(
            &mut tx,
            vec![
                ContactField::FirstName(format!("F{}", i % 3)),
                ContactField::LastName(format!("L{}", i % 5)),
                ContactField::LastActivityAt(active),
            ],
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let mut tx = t.db.begin(a, Actor::Agent).await.unwrap();
    for sort in ContactSort::ALL {
        let mut seen: Vec<Contact> = vec![];
        loop {
            let q = ContactQuery {
                sort,
                after: seen.last(),
                ..Default::default()
            };
            let page = contacts::page(&mut tx, &q, 7).await.unwrap();
            if page.is_empty() {
                break;
            }
            seen.extend(page);
        }
        let mut ids: Vec<Uuid> = seen.iter().map(|c| c.id).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), 25, "{sort:?}: every contact exactly once");
        let ordered = seen.windows(2).all(|w| match sort {
            ContactSort::Name => {
                (&w[0].last_name, &w[0].first_name, w[0].id)
                    < (&w[1].last_name, &w[1].first_name, w[1].id)
            }
            // None sorts below every time, so never-active contacts come last.
            ContactSort::RecentActivity => {
                (w[0].last_activity_at, w[0].id) > (w[1].last_activity_at, w[1].id)
            }
            ContactSort::Newest => (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id),
        });
        assert!(ordered, "{sort:?} order");
    }
}

#[tokio::test]
async fn contact_filters_by_priority_and_due_recontact() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let mut tx = t.db.begin(a, human).await.unwrap();
    let now = Utc::now();
    let mut ids = vec![];
    for (name, p, days) in [
        ("DueHigh", Some(Priority::High), Some(-1)),
        ("LaterHigh", Some(Priority::High), Some(3)),
        ("DueLow", Some(Priority::Low), Some(-2)),
        ("Plain", None, None),
    ] {
        let fields = vec![
            ContactField::FirstName(name.into()),
            ContactField::LastName("Case".into()),
            ContactField::Priority(p),
            ContactField::RecontactAt(days.map(|d| now + chrono::Duration::days(d))),
        ];
        ids.push(contacts::create(&mut tx, fields).await.unwrap().id);
    }
    tx.commit().await.unwrap();
    new_contact(&t, b, human, "OtherClient").await;
    let [due_high, later_high, due_low, _plain] = ids[..] else {
        unreachable!()
    };

    let mut tx = t.db.begin(a, human).await.unwrap();
    for (priority, recontact_due, mut expected) in [
        (Some(Priority::High), false, vec![due_high, later_high]),
        (None, true, vec![due_high, due_low]),
        (Some(Priority::High), true, vec![due_high]),
        (Some(Priority::Critical), false, vec![]),
    ] {
        let q = ContactQuery {
            priority,
            recontact_due,
            ..Default::default()
        };
        let mut got: Vec<Uuid> = contacts::page(&mut tx, &q, 50)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect();
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{priority:?} due={recontact_due}");
    }
}
