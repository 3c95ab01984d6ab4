//! Strategic and operational fields, enforced by column privileges.

use chrono::{TimeZone, Utc};
use redkey_data::{
    companies::CompanyField, contacts::ContactField, deals::DealField, Actor, ClientId, DbError,
    FieldClass,
};
use redkey_testkit::TestDb;
use redkey_types::Priority;

use crate::support::{board, new_contact};
use redkey_data::records;
use redkey_types::Contact;
use uuid::Uuid;

/// A client with a person signed in, and a contact, a company and a deal.
async fn one_of_each() -> (TestDb, ClientId, Actor, Uuid, Uuid, Vec<Uuid>) {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let contact = new_contact(&t, a, human, "Ann").await;
    let mut tx = t.tx(a, human).await;
    let company = records::create(&mut tx, vec![CompanyField::Name("Acme".into())])
        .await
        .unwrap()
        .id;
    let (_, _, ds) = board(&mut tx, 1).await;
    tx.commit().await.unwrap();
    (t, a, human, contact, company, ds)
}

#[tokio::test]
async fn the_agent_cannot_write_any_strategic_field() {
    let (t, a, human, contact, company, ds) = one_of_each().await;
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
            let mut tx = t.tx(a, Actor::Agent).await;
            results.push(records::update(&mut tx, contact, cf).await.map(|_| ()));
        }
        if !kf.is_empty() {
            let mut tx = t.tx(a, Actor::Agent).await;
            results.push(records::update(&mut tx, company, kf).await.map(|_| ()));
        }
        if !df.is_empty() {
            let mut tx = t.tx(a, Actor::Agent).await;
            results.push(records::update(&mut tx, ds[0], df).await.map(|_| ()));
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
    let mut tx = t.tx(a, Actor::Agent).await;
    let r = records::create(
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
    let mut tx = t.tx(a, human).await;
    let c = records::get::<Contact>(&mut tx, contact).await.unwrap();
    assert_eq!((c.priority, c.strategy_note), (None, None));
}

#[tokio::test]
async fn the_human_cannot_write_any_operational_field() {
    let (t, a, human, contact, company, ds) = one_of_each().await;
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
        let mut tx = t.tx(a, human).await;
        refused.push(records::update(&mut tx, contact, vec![f]).await.map(|_| ()));
    }
    for f in company_cases {
        let mut tx = t.tx(a, human).await;
        refused.push(records::update(&mut tx, company, vec![f]).await.map(|_| ()));
    }
    let mut tx = t.tx(a, human).await;
    refused.push(
        records::update(&mut tx, ds[0], vec![DealField::LastActivityAt(now)])
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
        let mut tx = t.tx(a, actor).await;
        records::update(
            &mut tx,
            contact,
            vec![ContactField::JobTitle(Some("CFO".into()))],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
}
