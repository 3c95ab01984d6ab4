//! What mail means for sequences and privacy: replies stop them once,
//! out-of-office holds them, delivery reports suppress; bodies stay the
//! owner's.

use super::*;

#[tokio::test]
async fn a_reply_in_the_mailbox_stops_the_sequence_once_and_bodies_stay_the_owners() {
    let b = mailbox().await;
    let (grace, e) = b.enrolled("Grace", "grace@hopper.test").await;
    b.imap
        .append(
            "INBOX",
            &mail(
                "g1@hopper.test",
                "grace@hopper.test",
                "justin@alpha.test",
                "Re: Hi",
                "",
                "Let's talk. Not before Q3.",
            ),
            &day(0),
        )
        .await;
    b.imap
        .append(
            "INBOX",
            &mail(
                "g0@hopper.test",
                "grace@hopper.test",
                "justin@alpha.test",
                "Out of office",
                "Auto-Submitted: auto-replied",
                "Away",
            ),
            &day(0),
        )
        .await;
    b.sync().await;
    b.sync().await;
    let mut tx = b.t.tx(b.client, Actor::Agent).await;
    assert_eq!(
        sequences::enrollment(&mut tx, e.id).await.unwrap().status,
        EnrollmentStatus::Replied
    );
    drop(tx);
    let kinds = b.kinds_for(grace.id).await;
    assert_eq!(
        kinds.iter().filter(|k| *k == "email_replied").count(),
        1,
        "{kinds:?}"
    );
    let mut tx = b.t.tx(b.client, Actor::Agent).await;
    let todos: Vec<String> = sqlx::query_scalar(
        "SELECT t.title FROM crm_todos t JOIN crm_todo_targets x ON x.todo_id = t.id \
         WHERE x.contact_id = $1",
    )
    .bind(grace.id)
    .fetch_all(tx.conn())
    .await
    .unwrap();
    assert_eq!(todos, ["Reply to Grace"], "one to-do to answer the reply");
    drop(tx);
    // The body: the owner reads it, a colleague and arlo do not.
    let body = |actor| {
        let t = &b.t;
        let client = b.client;
        async move {
            let mut tx = t.tx(client, actor).await;
            sqlx::query_scalar::<_, Option<String>>(
                "SELECT body_text FROM crm_email_messages WHERE message_id = 'g1@hopper.test'",
            )
            .fetch_one(tx.conn())
            .await
            .unwrap()
        }
    };
    assert_eq!(
        body(Actor::User(b.owner)).await.as_deref(),
        Some("Let's talk. Not before Q3.")
    );
    let colleague = b.t.user("colleague@alpha.test", &["alpha"]).await;
    assert_eq!(body(Actor::User(colleague)).await, None);
    assert_eq!(body(Actor::Agent).await, None);
}

#[tokio::test]
async fn an_out_of_office_in_the_mailbox_holds_the_sequence_until_the_person_is_back() {
    let b = mailbox().await;
    let (_, e) = b.enrolled("Lin", "lin@far.test").await;
    let back = (Utc::now() + Duration::days(20)).date_naive();
    let away = format!("I am out of the office until {}.", back.format("%Y-%m-%d"));
    let ooo = mail(
        "lin0@far.test",
        "lin@far.test",
        "justin@alpha.test",
        "Out of office",
        "Auto-Submitted: auto-replied",
        &away,
    );
    b.imap.append("INBOX", &ooo, &day(0)).await;
    b.sync().await;
    let mut tx = b.t.tx(b.client, Actor::Agent).await;
    let after = sequences::enrollment(&mut tx, e.id).await.unwrap();
    assert_eq!(
        after.status,
        EnrollmentStatus::Active,
        "an automatic answer is not a reply"
    );
    assert!(
        after.next_due_at.is_some_and(|d| d.date_naive() > back),
        "{:?}",
        after.next_due_at
    );
}

#[tokio::test]
async fn a_bounce_report_in_the_mailbox_suppresses_the_address_and_stops_its_sequence() {
    let b = mailbox().await;
    let (_, e) = b.enrolled("Ada", "ada@lovelace.test").await;
    let dsn = "Message-ID: <dsn1@mx.alpha.test>\nFrom: MAILER-DAEMON@mx.alpha.test\nTo: justin@alpha.test\n\
Subject: Undelivered Mail Returned to Sender\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b\"\n\n\
--b\nContent-Type: text/plain\n\nThis is the mail system: your message could not be delivered.\n\
--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.alpha.test\n\nFinal-Recipient: rfc822; ada@lovelace.test\nAction: failed\nStatus: 5.1.1\n--b--\n";
    b.imap.append("INBOX", dsn, &day(0)).await;
    b.sync().await;
    let mut tx = b.t.tx(b.client, Actor::Agent).await;
    let ada = EmailAddress::parse("ada@lovelace.test").unwrap();
    assert_eq!(
        redkey_data::suppressions::suppression(&mut tx, &ada)
            .await
            .unwrap(),
        Some(redkey_types::SuppressionReason::Bounced)
    );
    assert_eq!(
        sequences::enrollment(&mut tx, e.id).await.unwrap().status,
        EnrollmentStatus::Stopped
    );
    // The mail system is nobody's contact.
    assert!(b.contact("mailer-daemon@mx.alpha.test").await.is_none());
}
