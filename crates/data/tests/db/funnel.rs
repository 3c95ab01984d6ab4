//! Sequence funnels are kept by triggers on the enrolments, sends and
//! events: after concurrent sends, Resend's events (repeated ones, one
//! that comes before its send has an id), enrolments that stop, and rows
//! deleted, they equal the numbers counted from the rows themselves.

use redkey_data::sequences;
use redkey_data::{Actor, ClientId};
use redkey_testkit::{over_twenty, TestDb};
use redkey_types::SequenceMetrics;
use uuid::Uuid;

use crate::support::{new_contact, sequence};

/// The funnel counted from the rows (what `sequences::metrics` computed
/// before the counts were kept), for comparison.
const COUNTED: &str = "WITH sends AS ( \
       SELECT e.sequence_id, m.provider_id, m.status FROM crm_email_sends m \
       JOIN crm_sequence_contacts e ON e.id = m.enrollment_id), \
     events AS ( \
       SELECT s.sequence_id, v.type, count(DISTINCT s.provider_id) AS n FROM crm_email_events v \
       JOIN sends s ON s.provider_id = v.payload->'data'->>'email_id' \
       GROUP BY s.sequence_id, v.type) \
     SELECT q.id, q.name, q.status, jsonb_array_length(q.steps) AS steps, \
       (SELECT count(*) FROM crm_sequence_contacts e WHERE e.sequence_id = q.id) AS enrolled, \
       (SELECT count(*) FROM crm_sequence_contacts e WHERE e.sequence_id = q.id AND e.status = 'active') AS active, \
       (SELECT count(*) FROM sends s WHERE s.sequence_id = q.id AND s.status = 'sent') AS sent, \
       coalesce((SELECT n FROM events WHERE sequence_id = q.id AND type = 'email.opened'), 0) AS opened, \
       coalesce((SELECT n FROM events WHERE sequence_id = q.id AND type = 'email.clicked'), 0) AS clicked, \
       (SELECT count(*) FROM crm_sequence_contacts e WHERE e.sequence_id = q.id AND e.status = 'replied') AS replied, \
       coalesce((SELECT n FROM events WHERE sequence_id = q.id AND type = 'email.bounced'), 0) AS bounced, \
       (SELECT count(*) FROM crm_sequence_contacts e WHERE e.sequence_id = q.id \
          AND e.stop_reason IN ('unsubscribed', 'complained')) AS unsubscribed \
     FROM crm_sequences q ORDER BY q.name, q.id";

async fn kept_and_counted(t: &TestDb, client: ClientId) -> Vec<SequenceMetrics> {
    let mut tx = t.tx(client, Actor::Agent).await;
    let kept = sequences::metrics(&mut tx).await.unwrap();
    let counted: Vec<SequenceMetrics> = sqlx::query_as(COUNTED).fetch_all(tx.conn()).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(kept, counted);
    kept
}

fn table(name: &str) -> String {
    if over_twenty() && name != "email_events" {
        format!("redkey_twenty.{name}")
    } else {
        name.into()
    }
}

/// Runs `sql` as another application would, in the client, binding the
/// client and then `args`.
async fn run(t: &TestDb, client: ClientId, sql: &str, args: &[&str]) {
    let mut tx = t.owner_tx(client).await;
    let mut q = sqlx::query(sql).bind(client.0);
    for a in args {
        q = q.bind(*a);
    }
    q.execute(&mut *tx).await.unwrap();
    tx.commit().await.unwrap();
}

async fn event(t: &TestDb, client: ClientId, svix: &str, kind: &str, email: &str) {
    run(
        t,
        client,
        "INSERT INTO email_events (workspace_id, svix_id, type, payload) \
         VALUES ($1, $2, $3, jsonb_build_object('type', $3::text, 'data', \
                 jsonb_build_object('email_id', $4::text)))",
        &[svix, kind, email],
    )
    .await;
}

#[tokio::test]
async fn kept_funnels_stay_exact() {
    let t = TestDb::new().await;
    let (a, b, human) = t.two_clients().await;
    let mut tx = t.tx(a, human).await;
    let seq = sequences::create(&mut tx, &sequence("Intro", 1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut contacts = vec![];
    for name in ["Ada", "Ben", "Cleo", "Dev", "Eli", "Fay"] {
        contacts.push(new_contact(&t, a, human, name).await);
    }
    let mut tx = t.tx(a, human).await;
    let enrolments: Vec<Uuid> = sequences::enroll_each(&mut tx, seq.id, &contacts)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, e)| e.unwrap().id)
        .collect();
    tx.commit().await.unwrap();

    // Six sends written at once, each pending and then sent with its id
    // (the outbox's two steps), the last one's id set only after an event.
    let (sends, events) = (table("email_sends"), table("email_events"));
    let mut workers = vec![];
    for (i, (e, c)) in enrolments.iter().zip(&contacts).enumerate() {
        let (t_owner, sends) = (t.owner.clone(), sends.clone());
        let (e, c) = (e.to_string(), c.to_string());
        workers.push(tokio::spawn(async move {
            let mut tx = redkey_data::admin::owner_scoped(&t_owner, a.0, "BEGIN")
                .await
                .unwrap();
            sqlx::query(&format!(
                "INSERT INTO {sends} (workspace_id, enrollment_id, step, person_id, to_email, \
                                      idempotency_key, request) \
                 VALUES ($1, $2::uuid, 0, $3::uuid, 'x@example.test', $2, '{{}}')"
            ))
            .bind(a.0)
            .bind(&e)
            .bind(&c)
            .execute(&mut *tx)
            .await
            .unwrap();
            let id = (i < 5).then(|| format!("re_{i}"));
            sqlx::query(&format!(
                "UPDATE {sends} SET status = 'sent', provider_id = $2, sent_at = now() \
                 WHERE enrollment_id = $1::uuid"
            ))
            .bind(&e)
            .bind(id)
            .execute(&mut *tx)
            .await
            .unwrap();
            tx.commit().await.unwrap();
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    for (svix, kind, email) in [
        ("m1", "email.delivered", "re_0"),
        ("m2", "email.opened", "re_0"),
        ("m3", "email.opened", "re_0"),
        ("m4", "email.opened", "re_1"),
        ("m5", "email.clicked", "re_1"),
        ("m6", "email.bounced", "re_2"),
        ("m7", "email.opened", "re_5"),
        ("m8", "email.opened", "not_ours"),
    ] {
        event(&t, a, svix, kind, email).await;
    }
    let first = kept_and_counted(&t, a).await;
    assert_eq!(
        (
            first[0].enrolled,
            first[0].sent,
            first[0].opened,
            first[0].clicked,
            first[0].bounced
        ),
        (6, 6, 2, 1, 1)
    );

    // The last send learns its id: its earlier open counts now. Two
    // enrolments stop (a reply, an unsubscribe); one send's events are
    // deleted, one of two opens of another; a send and its enrolment go.
    run(
        &t,
        a,
        &format!("UPDATE {sends} SET provider_id = 're_5' WHERE workspace_id = $1 AND provider_id IS NULL"),
        &[],
    )
    .await;
    let sc = table("sequence_contacts");
    run(
        &t,
        a,
        &format!(
            "UPDATE {sc} SET status = CASE WHEN id = $2::uuid THEN 'replied' ELSE 'stopped' END, \
                    stop_reason = CASE WHEN id = $2::uuid THEN 'replied' ELSE 'unsubscribed' END \
             WHERE workspace_id = $1 AND id IN ($2::uuid, $3::uuid)"
        ),
        &[&enrolments[3].to_string(), &enrolments[4].to_string()],
    )
    .await;
    run(
        &t,
        a,
        &format!("DELETE FROM {events} WHERE svix_id IN ('m4', 'm5', 'm2')"),
        &[],
    )
    .await;
    for from in [&sends, &sc] {
        let column = if from == &sc { "id" } else { "enrollment_id" };
        run(
            &t,
            a,
            &format!("DELETE FROM {from} WHERE workspace_id = $1 AND {column} = $2::uuid"),
            &[&enrolments[2].to_string()],
        )
        .await;
    }
    let then = kept_and_counted(&t, a).await;
    assert_eq!(
        (
            then[0].enrolled,
            then[0].active,
            then[0].sent,
            then[0].opened,
            then[0].bounced
        ),
        (5, 3, 5, 2, 0)
    );
    assert_eq!((then[0].replied, then[0].unsubscribed), (1, 1));

    // The other client sees no counts of these.
    let mut tx = t.tx(b, Actor::Agent).await;
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM crm_sequence_counts")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(seen, 0);
}
