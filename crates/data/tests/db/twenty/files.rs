//! Files over Twenty: an upload in the cockpit is a Twenty attachment on
//! its one record (Twenty's Files tab shows it), Twenty's own attachments
//! are the cockpit's files, and the trash takes them in place.

use redkey_data::{
    audit::{self, Kind},
    files::{self, NewFile},
    notes::Target,
    trash, Actor, DbError,
};
use redkey_types::ArchivedKind;
use sqlx::Row;
use uuid::Uuid;

use super::{as_twenty, attached};

fn upload(name: &str, target: Target) -> NewFile {
    NewFile {
        name: name.into(),
        key: format!("files/{}", Uuid::new_v4()),
        size_bytes: 12,
        content_type: "text/plain".into(),
        category: "TEXT_DOCUMENT",
        target,
    }
}

#[tokio::test]
async fn files_are_twentys_attachments_on_their_one_record() {
    let (t, a, human) = attached().await;
    let rows = as_twenty(
        &t,
        "INSERT INTO workspace_a.person (\"nameFirstName\") VALUES ('Ada') RETURNING id;
         INSERT INTO workspace_a.attachment (name, \"fullPath\", \"fileCategory\", \"personId\")
           SELECT 'deck.pdf', 'attachment/deck.pdf', 'PRESENTATION', id FROM workspace_a.person
           RETURNING id;
         INSERT INTO workspace_a.company (name) VALUES ('Acme') RETURNING id;",
    )
    .await;
    let (person, deck, company): (Uuid, Uuid, Uuid) =
        (rows[0].get(0), rows[1].get(0), rows[2].get(0));

    let mut tx = t.tx(a, human).await;
    let ours = files::add(&mut tx, upload("notes.txt", Target::Contact(person)))
        .await
        .unwrap();
    let listed = files::of(&mut tx, Target::Contact(person)).await.unwrap();
    let names: Vec<(&str, Option<i64>)> = listed
        .iter()
        .map(|f| (f.name.as_str(), f.size_bytes))
        .collect();
    assert_eq!(names, [("notes.txt", Some(12)), ("deck.pdf", None)]);
    assert!(listed[0].uploader.is_some(), "{listed:?}");
    let stored = files::get(&mut tx, deck).await.unwrap().unwrap();
    assert_eq!(stored.full_path, "attachment/deck.pdf");
    tx.commit().await.unwrap();

    // Twenty's row: our upload on the person, its path and category.
    let row = &as_twenty(
        &t,
        &format!(
            "SELECT name, \"fullPath\", \"fileCategory\", \"personId\", \"companyId\" \
             FROM workspace_a.attachment WHERE id = '{ours}'"
        ),
    )
    .await[0];
    assert_eq!(row.get::<String, _>(0), "notes.txt");
    assert!(row.get::<String, _>(1).starts_with("files/"));
    assert_eq!(row.get::<String, _>(2), "TEXT_DOCUMENT");
    assert_eq!(row.get::<Option<Uuid>, _>(3), Some(person));
    assert_eq!(row.get::<Option<Uuid>, _>(4), None);

    // A Twenty attachment has one record: a second is refused, clearly.
    let mut tx = t.tx(a, human).await;
    let twice = sqlx::query(
        "INSERT INTO crm_attachment_targets (attachment_id, company_id) VALUES ($1, $2)",
    )
    .bind(ours)
    .bind(company)
    .execute(tx.conn())
    .await
    .map_err(DbError::from)
    .unwrap_err();
    assert!(matches!(twice, DbError::Conflict(_)), "{twice:?}");
    drop(tx);
    // A file of no record of this workspace is refused.
    let mut tx = t.tx(a, human).await;
    let stray = files::add(&mut tx, upload("x.txt", Target::Contact(Uuid::new_v4())))
        .await
        .unwrap_err();
    assert!(matches!(stray, DbError::Invalid(_)), "{stray:?}");
    drop(tx);

    // Archived in the cockpit: gone from the record and Twenty's Files tab
    // (deletedAt), in the trash, back on restore, and purged for good.
    let mut tx = t.tx(a, human).await;
    audit::archive(&mut tx, Kind::Attachment, ours)
        .await
        .unwrap();
    assert_eq!(
        files::of(&mut tx, Target::Contact(person))
            .await
            .unwrap()
            .len(),
        1
    );
    let binned = trash::list(&mut tx, 50).await.unwrap();
    assert!(binned
        .iter()
        .any(|i| i.id == ours && i.kind == ArchivedKind::Attachment && i.label == "notes.txt"));
    trash::restore(&mut tx, ArchivedKind::Attachment, ours)
        .await
        .unwrap();
    assert_eq!(
        files::of(&mut tx, Target::Contact(person))
            .await
            .unwrap()
            .len(),
        2
    );
    audit::archive(&mut tx, Kind::Attachment, ours)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, Actor::Agent).await;
    trash::purge(&mut tx, chrono::Utc::now() + chrono::Duration::seconds(1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let left = as_twenty(
        &t,
        &format!("SELECT id FROM workspace_a.attachment WHERE id = '{ours}'"),
    )
    .await;
    assert!(left.is_empty());
    let ext: i64 =
        sqlx::query_scalar("SELECT count(*) FROM redkey_twenty.attachment_ext WHERE id = $1")
            .bind(ours)
            .fetch_one(&t.owner)
            .await
            .unwrap();
    assert_eq!(ext, 0);
}
