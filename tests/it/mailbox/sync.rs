//! Syncing: a window then new UIDs, UIDVALIDITY, discovery, threads, a
//! server cut off mid-way, TLS trust.

use super::*;

#[tokio::test]
async fn a_mailbox_syncs_a_window_then_new_mail_and_makes_contacts_of_two_way_correspondents() {
    let b = mailbox().await;
    let ada = "Ada Lovelace <ada@lovelace.test>";
    b.imap
        .append(
            "INBOX",
            &mail(
                "a1@lovelace.test",
                ada,
                "justin@alpha.test",
                "Pricing",
                "",
                "What would it cost?",
            ),
            &day(2),
        )
        .await;
    b.imap
        .append(
            "INBOX",
            &mail(
                "n1@news.test",
                "news@news.test",
                "justin@alpha.test",
                "Weekly",
                "List-Id: <weekly.news.test>",
                "News",
            ),
            &day(1),
        )
        .await;
    b.imap
        .append(
            "INBOX",
            &mail(
                "old@bob.test",
                "bob@bob.test",
                "justin@alpha.test",
                "Long ago",
                "",
                "Hi",
            ),
            &day(200),
        )
        .await;
    // Justin's answer, appended again below once its folder is re-created.
    let reply = mail(
        "j1@alpha.test",
        "justin@alpha.test",
        "ada@lovelace.test",
        "Re: Pricing",
        "In-Reply-To: <a1@lovelace.test>",
        "Here it is.",
    );
    b.imap.append("Sent", &reply, &day(1)).await;
    b.imap
        .append(
            "Sent",
            &mail(
                "j2@alpha.test",
                "justin@alpha.test",
                "carol@gmail.com",
                "Hello",
                "",
                "Hi Carol",
            ),
            &day(1),
        )
        .await;
    b.imap
        .append(
            "Sent",
            &mail(
                "j3@alpha.test",
                "justin@alpha.test",
                "news@news.test",
                "Unsubscribe",
                "",
                "stop",
            ),
            &day(1),
        )
        .await;

    let first = b.sync().await;
    assert_eq!((first.stored, first.discovered), (5, 1), "{first:?}");
    // Ada wrote and was written to: a contact, with her company by domain.
    let ada_c = b.contact("ada@lovelace.test").await.expect("discovered");
    assert_eq!(
        (ada_c.first_name.as_str(), ada_c.last_name.as_str()),
        ("Ada", "Lovelace")
    );
    assert_eq!(ada_c.created_by_source, redkey_types::Source::Email);
    let mut tx = b.t.tx(b.client, Actor::Agent).await;
    let company: redkey_types::Company = records::get(&mut tx, ada_c.company_id.unwrap())
        .await
        .unwrap();
    drop(tx);
    assert_eq!(company.domain.as_deref(), Some("lovelace.test"));
    assert_eq!(
        b.kinds_for(ada_c.id).await,
        ["email_received", "email_sent"]
    );
    assert_eq!(ada_c.email_thread_count, 1);
    // One-way mail, a list and mail outside the window make nobody.
    assert!(b.contact("carol@gmail.com").await.is_none());
    assert!(b.contact("news@news.test").await.is_none());
    assert!(b.contact("bob@bob.test").await.is_none());

    // Only new mail next time; a reply in the same thread.
    b.imap
        .append(
            "INBOX",
            &mail(
                "a2@lovelace.test",
                ada,
                "justin@alpha.test",
                "Re: Pricing",
                "References: <a1@lovelace.test> <j1@alpha.test>",
                "Thanks!",
            ),
            &day(0),
        )
        .await;
    let second = b.sync().await;
    assert_eq!((second.stored, second.already_had), (1, 0), "{second:?}");
    let ada_c = b.contact("ada@lovelace.test").await.unwrap();
    assert_eq!(b.kinds_for(ada_c.id).await.len(), 3);
    assert_eq!(ada_c.email_thread_count, 1);

    // A folder re-created has a new UIDVALIDITY: read again, stored once.
    b.imap.delete("Sent").await;
    b.imap.append("Sent", &reply, &day(1)).await;
    let third = b.sync().await;
    assert_eq!((third.stored, third.already_had), (0, 1), "{third:?}");
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM email_messages")
        .fetch_one(&b.t.owner)
        .await
        .unwrap();
    assert_eq!(stored, 6);
}

#[tokio::test]
async fn a_sync_cut_off_mid_way_resumes_without_loss_or_duplicates() {
    let mut b = mailbox().await;
    for i in 0..60 {
        let m = mail(
            &format!("bulk{i}@lovelace.test"),
            "ada@lovelace.test",
            "justin@alpha.test",
            &format!("Note {i}"),
            "",
            "Hello",
        );
        b.imap.append("INBOX", &m, &day(1)).await;
    }
    // Cut the server off once the first batch's position is committed.
    let (db, store, client, source) = (b.t.db.clone(), b.store.clone(), b.client, b.source.clone());
    let running = tokio::spawn(async move { sync_mailbox(&db, &store, client, &source).await });
    for _ in 0..400 {
        let at: Option<i64> = sqlx::query_scalar("SELECT max(last_uid) FROM mailbox_folders")
            .fetch_one(&b.t.owner)
            .await
            .unwrap();
        if at.unwrap_or(0) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    b.imap.kill();
    let cut = running.await.unwrap();
    let stored_then: i64 = sqlx::query_scalar("SELECT count(*) FROM email_messages")
        .fetch_one(&b.t.owner)
        .await
        .unwrap();
    assert!(cut.is_err() || stored_then == 60, "{cut:?}");
    b.imap.restart().await;
    b.sync().await;
    b.sync().await;
    let (all, distinct): (i64, i64) =
        sqlx::query_as("SELECT count(*), count(DISTINCT message_id) FROM email_messages")
            .fetch_one(&b.t.owner)
            .await
            .unwrap();
    assert_eq!((all, distinct), (60, 60));
}

#[tokio::test]
async fn a_mailbox_over_tls_trusts_only_what_it_should() {
    let b = mailbox().await;
    b.imap
        .append(
            "INBOX",
            &mail(
                "t1@lovelace.test",
                "ada@lovelace.test",
                "justin@alpha.test",
                "Over TLS",
                "",
                "Hi",
            ),
            &day(0),
        )
        .await;
    let over_tls = |ca: Option<&str>, security: &str| {
        let mut s = b.source.clone();
        s.settings = json!({
            "host": "127.0.0.1", "port": b.imap.tls_port, "security": security, "username": "test",
            "address": "justin@alpha.test", "ca_pem": ca,
        });
        s
    };
    // Its certificate trusted: synced.
    let trusted = over_tls(Some(&b.imap.cert), "tls");
    let done = sync_mailbox(&b.t.db, &b.store, b.client, &trusted)
        .await
        .unwrap();
    assert_eq!(done.stored, 1);
    // A certificate nobody vouches for: refused, nothing read.
    let unknown = over_tls(None, "tls");
    let err = sync_mailbox(&b.t.db, &b.store, b.client, &unknown)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("TLS"), "{err}");
    // Plain IMAP to anything but this machine is refused before connecting.
    let mut far = b.source.clone();
    far.settings = json!({ "host": "imap.example.com", "port": 143, "security": "plain",
                           "username": "test", "address": "justin@alpha.test" });
    let err = sync_mailbox(&b.t.db, &b.store, b.client, &far)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("only for a server on this machine"),
        "{err}"
    );
}
