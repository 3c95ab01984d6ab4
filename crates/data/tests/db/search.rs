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
