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
