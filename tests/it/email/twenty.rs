//! Sequences for a client attached to a Twenty workspace: the contact is
//! Twenty's person, the enrolment and the sends are the adapter's rows
//! pointing at it, and the run, the provider's events and the purge work
//! as they do on RedKey's own tables.

use chrono::Utc;
use redkey_data::{activities, outbox, records, suppressions, trash, twenty, Actor};
use redkey_types::{Contact, EnrollmentStatus as Status, StopReason};
use serde_json::json;
use sqlx::Row;
use uuid::Uuid;

use super::*;
use crate::helpers::as_twenty;

async fn count(t: &TestDb, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
        .fetch_one(&t.owner)
        .await
        .unwrap()
}

/// Client alpha attached to workspace `workspace_mail`, with Twenty's
/// person Ada at `email`.
async fn ada_in_twenty(w: &World, email: &str) -> Uuid {
    w.t.twenty_workspace("workspace_mail").await;
    twenty::attach(&w.t.owner, "workspace_mail", "alpha")
        .await
        .unwrap();
    as_twenty(
        &w.t,
        &format!(
            "INSERT INTO workspace_mail.person (\"nameFirstName\", \"nameLastName\", \"emailsPrimaryEmail\")
             VALUES ('Ada', 'Lovelace', '{email}') RETURNING id"
        ),
    )
    .await[0]
    .get(0)
}

#[tokio::test]
async fn a_sequence_runs_for_twentys_person_through_the_adapters_outbox() {
    let w = world().await;
    let ada = ada_in_twenty(&w, "ada@lovelace.test").await;
    let seq = w
        .sequence(vec![
            step(0, false, "Hello {{first_name}}"),
            step(1, false, "Two"),
        ])
        .await;
    let e = w.enroll(seq, ada).await.unwrap();
    // A person of no workspace of this client's: refused, as a missing one.
    let stray = w.enroll(seq, Uuid::new_v4()).await.unwrap_err();
    assert!(matches!(stray, DbError::NotFound), "{stray:?}");

    let r = w.run("2027-01-04T10:00:00Z").await;
    assert_eq!(r.sent, 1, "{r:?}");
    let sent = w.fake.delivered();
    assert_eq!(sent[0].1["to"], json!(["ada@lovelace.test"]));
    assert_eq!(sent[0].1["subject"], "Hello Ada");
    assert_eq!(sent[0].0, format!("seq-{e}-step-0"));
    // The adapter's rows, none of RedKey's own.
    assert_eq!(count(&w.t, "redkey_twenty.email_sends").await, 1);
    assert_eq!(count(&w.t, "redkey_twenty.sequence_contacts").await, 1);
    assert_eq!(count(&w.t, "public.email_sends").await, 0);
    assert_eq!(count(&w.t, "public.sequence_contacts").await, 0);
    // Arlo's operational fields beside Twenty's row, and the activity.
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let c = records::get::<Contact>(&mut tx, ada).await.unwrap();
    assert_eq!(c.sequence_step, Some(0));
    assert_eq!(c.email_thread_count, 1);
    let acts = activities::latest_of(&mut tx, redkey_types::RecordKind::Contact, ada, None, 100)
        .await
        .unwrap();
    assert_eq!(acts.iter().filter(|a| a.kind == "email_sent").count(), 1);
    drop(tx);

    // The provider's event finds the adapter's send: the follow-up threads.
    let provider_id: String =
        sqlx::query_scalar("SELECT provider_id FROM redkey_twenty.email_sends")
            .fetch_one(&w.t.owner)
            .await
            .unwrap();
    let sent_event = json!({
        "type": "email.sent", "created_at": "2027-01-04T10:00:01Z",
        "data": { "email_id": provider_id, "message_id": "<first@resend.test>", "to": ["ada@lovelace.test"] }
    });
    redkey::email::events::handle(&w.t.db, w.a, "msg_tw_1", &sent_event, Utc::now())
        .await
        .unwrap();
    assert_eq!(w.run("2027-01-05T10:00:00Z").await.sent, 1);
    assert_eq!(
        w.fake.delivered()[1].1["headers"]["In-Reply-To"],
        "<first@resend.test>"
    );

    // A draft arlo wrote for her, released by a person: the adapter's
    // crm_send_draft works on the adapter's outbox and records who.
    let to = EmailAddress::parse("ada@lovelace.test").unwrap();
    let mut tx = w.t.tx(w.a, Actor::Agent).await;
    let draft = outbox::create_draft(&mut tx, Uuid::new_v4(), ada, &to, "{}")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = w.t.tx(w.a, w.human).await;
    outbox::send_draft(&mut tx, draft.id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(count(&w.t, "redkey_twenty.send_resolutions").await, 1);

    // Deleted in Twenty: kept while that send is under way, as on RedKey's
    // own tables; then purged with her sends and enrolment.
    as_twenty(
        &w.t,
        "UPDATE workspace_mail.person SET \"deletedAt\" = now() - interval '1 hour'",
    )
    .await;
    let purge = || async {
        let mut tx = w.t.tx(w.a, Actor::Agent).await;
        trash::purge(&mut tx, Utc::now()).await.unwrap();
        tx.commit().await.unwrap();
    };
    purge().await;
    assert_eq!(count(&w.t, "workspace_mail.person").await, 1);
    sqlx::query("UPDATE redkey_twenty.email_sends SET status = 'sent' WHERE id = $1")
        .bind(draft.id)
        .execute(&w.t.owner)
        .await
        .unwrap();
    purge().await;
    assert_eq!(count(&w.t, "workspace_mail.person").await, 0);
    assert_eq!(count(&w.t, "redkey_twenty.email_sends").await, 0);
    assert_eq!(count(&w.t, "redkey_twenty.sequence_contacts").await, 0);
}

#[tokio::test]
async fn one_click_unsubscribe_stops_twentys_person_at_once() {
    let w = world().await;
    w.t.twenty_workspace("workspace_mail").await;
    twenty::attach(&w.t.owner, "workspace_mail", "alpha")
        .await
        .unwrap();
    let ada: Uuid = as_twenty(
        &w.t,
        "INSERT INTO workspace_mail.person (\"nameFirstName\", \"emailsPrimaryEmail\")
         VALUES ('Ada', 'Ada@Lovelace.test') RETURNING id",
    )
    .await[0]
        .get(0);
    let seq = w
        .sequence(vec![step(0, false, "One"), step(3, false, "Two")])
        .await;
    let e = w.enroll(seq, ada).await.unwrap();
    assert_eq!(w.run("2027-01-04T10:00:00Z").await.sent, 1);
    let other = w.sequence(vec![step(0, false, "Other")]).await;
    let later = w.enroll(other, ada).await.unwrap();
    let link = w.fake.delivered()[0].1["headers"]["List-Unsubscribe"]
        .as_str()
        .unwrap()
        .trim_matches(['<', '>'])
        .to_string();
    let token = link.rsplit('/').next().unwrap();

    // Unscoped, as the link's page runs: both of her enrolments stop now,
    // not when their next steps come up.
    assert!(suppressions::unsubscribe(&w.t.db, token, true)
        .await
        .unwrap());
    for id in [e, later] {
        let stopped = w.enrollment(id).await;
        assert_eq!(
            (stopped.status, stopped.stop_reason),
            (Status::Stopped, Some(StopReason::Unsubscribed)),
            "{id}"
        );
    }
    assert_eq!(w.run("2027-01-20T10:00:00Z").await.sent, 0);
    assert_eq!(w.fake.delivered().len(), 1);
}
