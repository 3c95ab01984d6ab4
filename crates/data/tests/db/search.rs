//! The record search: typo-tolerant, across contacts, companies, deals and
//! stages, and never another client's.

use redkey_data::{
    companies::CompanyField, contacts::ContactField, deals::DealField, records, search,
};
use redkey_testkit::TestDb;
use redkey_types::{Company, RecordKind};

use crate::support::board;

#[tokio::test]
async fn names_are_found_despite_typos_and_only_in_the_client() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    for (client, company_name) in [(a, "Meridian Health"), (b, "Meridian Hotels")] {
        let mut tx = t.tx(client, human).await;
        let company: Company =
            records::create(&mut tx, vec![CompanyField::Name(company_name.into())])
                .await
                .unwrap();
        records::create::<ContactField>(
            &mut tx,
            vec![
                ContactField::FirstName("Sarah".into()),
                ContactField::LastName("Okafor".into()),
                ContactField::Company(Some(company.id)),
            ],
        )
        .await
        .unwrap();
        let (p, stages, _) = board(&mut tx, 0).await;
        records::create::<DealField>(
            &mut tx,
            vec![
                DealField::Name("Meridian renewal".into()),
                DealField::Pipeline(p),
                DealField::Stage(stages[1]),
                DealField::Company(Some(company.id)),
            ],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let mut tx = t.tx(a, human).await;
    let hits = search::records(&mut tx, "Meridan", 20).await.unwrap();
    let kinds: Vec<RecordKind> = hits.iter().map(|h| h.kind).collect();
    for kind in [RecordKind::Company, RecordKind::Contact, RecordKind::Deal] {
        assert!(kinds.contains(&kind), "{kind}: {hits:?}");
    }
    assert!(
        hits.iter()
            .all(|h| !h.label.contains("Hotels") && !h.detail.contains("Hotels")),
        "{hits:?}"
    );
    let sarah = search::records(&mut tx, "sarah meridian", 5).await.unwrap();
    assert_eq!(
        (
            sarah[0].kind,
            sarah[0].label.as_str(),
            sarah[0].detail.as_str()
        ),
        (RecordKind::Contact, "Sarah Okafor", "Meridian Health")
    );
    let stage = search::records(&mut tx, "Propsal", 5).await.unwrap();
    assert_eq!(
        (stage[0].kind, stage[0].label.as_str()),
        (RecordKind::Stage, "Proposal")
    );
    assert!(search::records(&mut tx, "zzqx", 5)
        .await
        .unwrap()
        .is_empty());
    assert!(search::records(&mut tx, "   ", 5).await.unwrap().is_empty());
}

#[tokio::test]
async fn search_everywhere_finds_notes_and_todos_too_with_typos_in_the_client_only() {
    use redkey_data::{
        notes::{self, Target},
        todos::{self, NewTodo},
    };
    use redkey_types::FoundKind;

    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    for (client, suffix) in [(a, "Alpha"), (b, "Beta")] {
        let mut tx = t.tx(client, human).await;
        let company: Company = records::create(
            &mut tx,
            vec![CompanyField::Name(format!("Quantum {suffix}"))],
        )
        .await
        .unwrap();
        notes::add(
            &mut tx,
            Target::Company(company.id),
            &format!("Quantum pricing call {suffix}"),
            "They want a **pilot**",
        )
        .await
        .unwrap();
        todos::add(
            &mut tx,
            NewTodo {
                title: format!("Send Quantum the pilot plan {suffix}"),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let (p, stages, _) = board(&mut tx, 0).await;
        records::create::<DealField>(
            &mut tx,
            vec![
                DealField::Name(format!("Quantum pilot {suffix}")),
                DealField::Pipeline(p),
                DealField::Stage(stages[0]),
            ],
        )
        .await
        .unwrap();
        records::create::<ContactField>(
            &mut tx,
            vec![
                ContactField::FirstName("Quentin".into()),
                ContactField::LastName(format!("Quantum{suffix}")),
            ],
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let mut tx = t.tx(a, human).await;
    // One typo ("Quantm"), every kind found, none of the other client's.
    let hits = search::everything(&mut tx, "Quantm", 20).await.unwrap();
    for kind in FoundKind::ALL {
        assert!(hits.iter().any(|h| h.kind == *kind), "{kind}: {hits:?}");
    }
    assert!(
        hits.iter().all(|h| !h.label.contains("Beta")),
        "another client's record: {hits:?}"
    );
    assert!(
        hits.windows(2).all(|w| w[0].score >= w[1].score),
        "best first"
    );
    // Every word must match: two words narrow it to the to-do and the deal.
    let pilot = search::everything(&mut tx, "quantum pilot", 20)
        .await
        .unwrap();
    let kinds: Vec<FoundKind> = pilot.iter().map(|h| h.kind).collect();
    assert!(
        kinds.contains(&FoundKind::Todo) && kinds.contains(&FoundKind::Deal),
        "{pilot:?}"
    );
    assert!(!kinds.contains(&FoundKind::Company), "{pilot:?}");
    assert_eq!(
        search::everything(&mut tx, "Quantum", 2)
            .await
            .unwrap()
            .len(),
        2
    );
    // The words are data, never part of the statement.
    for odd in ["'; DROP TABLE people; --", "\\1 $1 {doc}", "%_%", "   "] {
        let r = search::everything(&mut tx, odd, 20).await.unwrap();
        assert!(r.is_empty(), "{odd}: {r:?}");
    }
    // Archived records are not found.
    let deal = hits.iter().find(|h| h.kind == FoundKind::Deal).unwrap().id;
    redkey_data::audit::archive(&mut tx, redkey_data::audit::Kind::Deal, deal)
        .await
        .unwrap();
    let after = search::everything(&mut tx, "Quantm", 20).await.unwrap();
    assert!(after.iter().all(|h| h.id != deal));
}

#[tokio::test]
async fn the_search_documents_follow_renames_archives_restores_and_common_words() {
    use redkey_data::audit::{self, Kind};
    use redkey_types::FoundKind;

    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    // More records share the word than a short list holds: the nearest
    // are taken from the index, the exact name first.
    for i in 0..240 {
        records::create::<CompanyField>(
            &mut tx,
            vec![CompanyField::Name(format!("Harbor works {i}"))],
        )
        .await
        .unwrap();
    }
    let exact: Company = records::create(&mut tx, vec![CompanyField::Name("Harbor".into())])
        .await
        .unwrap();
    let hits = search::everything(&mut tx, "harbor", 20).await.unwrap();
    assert_eq!(hits.len(), 20);
    assert_eq!(hits[0].id, exact.id, "{hits:?}");
    // A rename is found under its new name only.
    records::update(
        &mut tx,
        exact.id,
        vec![CompanyField::Name("Lighthouse".into())],
    )
    .await
    .unwrap();
    let found = |hits: &[redkey_types::Found]| hits.iter().any(|h| h.id == exact.id);
    assert!(found(
        &search::everything(&mut tx, "lighthous", 20).await.unwrap()
    ));
    assert!(!found(
        &search::everything(&mut tx, "harbor", 50).await.unwrap()
    ));
    // Archived: gone; restored: back.
    audit::archive(&mut tx, Kind::Company, exact.id)
        .await
        .unwrap();
    assert!(!found(
        &search::everything(&mut tx, "lighthouse", 20).await.unwrap()
    ));
    audit::restore(&mut tx, Kind::Company, exact.id)
        .await
        .unwrap();
    let back = search::everything(&mut tx, "lighthouse", 20).await.unwrap();
    assert!(found(&back) && back[0].kind == FoundKind::Company);
    tx.commit().await.unwrap();
    // Purged for good: its document goes with it.
    let mut tx = t.tx(a, human).await;
    audit::archive(&mut tx, Kind::Company, exact.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, redkey_data::Actor::Agent).await;
    redkey_data::trash::purge(&mut tx, chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM record_search WHERE record_id = $1")
        .bind(exact.id)
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn the_closest_level_answers_among_many_records_sharing_a_start() {
    use redkey_types::FoundKind;

    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    surnames(&mut tx).await;
    let labels = |hits: &[redkey_types::Found]| {
        hits.iter()
            .map(|h| h.label.clone())
            .collect::<Vec<String>>()
    };
    // A typo of one surname: the few closest, not 20 of the 300.
    let typo = search::everything(&mut tx, "surnam242", 20).await.unwrap();
    assert_eq!(labels(&typo)[0], "Ann Surname242", "{typo:?}");
    assert!(typo.len() < 20, "{typo:?}");
    // A whole surname: that contact alone, near-misses (Surname24,
    // Surname124) left out while something matches every word whole.
    let whole = search::everything(&mut tx, "surname242", 20).await.unwrap();
    assert_eq!(labels(&whole), ["Ann Surname242"], "{whole:?}");
    // A word all of them hold: as many as asked for, every one a contact.
    let common = search::everything(&mut tx, "ann", 20).await.unwrap();
    assert_eq!(common.len(), 20);
    assert!(common.iter().all(|h| h.kind == FoundKind::Contact));
}

#[tokio::test]
async fn arlos_resolver_ranks_only_each_kinds_closest_matches() {
    use redkey_data::notes::{self, Target};

    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    surnames(&mut tx).await;
    let harbor: Company =
        records::create(&mut tx, vec![CompanyField::Name("Harbor Logistics".into())])
            .await
            .unwrap();
    let (p, stages, _) = board(&mut tx, 0).await;
    for (name, company) in [("Expansion", Some(harbor.id)), ("Renewals", None)] {
        records::create::<DealField>(
            &mut tx,
            vec![
                DealField::Name(name.into()),
                DealField::Pipeline(p),
                DealField::Stage(stages[0]),
                DealField::Company(company),
            ],
        )
        .await
        .unwrap();
    }
    notes::add(&mut tx, Target::Company(harbor.id), "Renewal", "")
        .await
        .unwrap();
    let found = |hits: &[redkey_types::RecordHit]| {
        hits.iter()
            .map(|h| (h.kind, h.label.clone()))
            .collect::<Vec<_>>()
    };
    // A typo of one surname among 300 that share its start: the closest
    // few, not every one of them.
    let typo = search::records(&mut tx, "surnam242", 50).await.unwrap();
    assert_eq!(typo[0].label, "Ann Surname242", "{typo:?}");
    assert!(typo.len() < 20, "{typo:?}");
    // A deal is found by its company's name.
    let by_company = found(
        &search::records(&mut tx, "harbor logistcs", 20)
            .await
            .unwrap(),
    );
    for hit in [
        (RecordKind::Company, "Harbor Logistics".to_string()),
        (RecordKind::Deal, "Expansion".to_string()),
    ] {
        assert!(by_company.contains(&hit), "{hit:?}: {by_company:?}");
    }
    // Also when the words run from the deal's name into its company's.
    let split = found(
        &search::records(&mut tx, "expansion harbr", 20)
            .await
            .unwrap(),
    );
    assert!(
        split.contains(&(RecordKind::Deal, "Expansion".to_string())),
        "{split:?}"
    );
    // A note matching whole does not hide a deal that matches less closely.
    let renewal = found(&search::records(&mut tx, "renewal", 20).await.unwrap());
    assert!(
        renewal.contains(&(RecordKind::Deal, "Renewals".to_string())),
        "{renewal:?}"
    );
}

/// 300 contacts "Ann SurnameN", sharing their first six letters as in the
/// benchmark.
async fn surnames(tx: &mut redkey_data::Tx) {
    for i in 0..300 {
        records::create::<ContactField>(
            tx,
            vec![
                ContactField::FirstName("Ann".into()),
                ContactField::LastName(format!("Surname{i}")),
            ],
        )
        .await
        .unwrap();
    }
}
