//! Erasing a person on request: after `redkey forget` (or an admin's
//! erasure in the cockpit) no table holds their address, name or id, their
//! files are gone, someone else's rows stay, and the address stays
//! suppressed as a hash.

use redkey_data::{erasure, suppressions, Actor, ClientId, DbError};
use redkey_testkit::TestDb;
use redkey_types::{EmailAddress, SuppressionReason};

use crate::helpers::{
    command,
    visitor::{location, Visitor},
};

const ZELDA: &str = "00000000-0000-4000-8000-00000000a001";
const OTTO: &str = "00000000-0000-4000-8000-00000000a002";

fn forget(t: &TestDb, files: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let (url, files) = (t.url(), files.to_str().unwrap().to_string());
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("REDKEY_FILES_DIR", files.as_str()),
    ];
    let ran = command::redkey(&env, &[&["forget"], args].concat());
    (ran.ok, ran.out.trim().to_string(), ran.err)
}

async fn load_fixture(t: &TestDb, client: ClientId) {
    let sql = include_str!("../fixtures/forget.sql").replace(":'ws'", &format!("'{}'", client.0));
    sqlx::raw_sql(&sql).execute(&t.owner).await.unwrap();
}

/// Every table whose rows mention the person, with how many rows do.
async fn traces(t: &TestDb) -> Vec<(String, i64)> {
    let patterns = [
        "%zelda.q@example.org%".to_string(),
        "%zq@home.example%".into(),
        "%quixotefeld%".into(),
        format!("%{ZELDA}%"),
    ];
    // Names print unqualified in the main schema, as before.
    t.rows_like(&["public"], &patterns)
        .await
        .into_iter()
        .map(|(table, n)| (table.trim_start_matches("public.").to_string(), n))
        .collect()
}

async fn count(t: &TestDb, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&t.owner).await.unwrap()
}

#[tokio::test]
async fn after_forget_no_table_holds_the_person_and_others_stay() {
    let t = TestDb::new().await;
    let (alpha, beta, _) = t.two_clients().await;
    load_fixture(&t, alpha).await;
    // The same address in another client, which was not asked.
    sqlx::query(
        "INSERT INTO people (workspace_id, name_first_name, name_last_name, emails_primary_email) \
         VALUES ($1, 'Zelda', 'Quixotefeld', 'zelda.q@example.org')",
    )
    .bind(beta.0)
    .execute(&t.owner)
    .await
    .unwrap();
    let files = std::env::temp_dir().join(format!("redkey-forget-{}", t.name));
    let file = files.join(alpha.0.to_string()).join("zelda-file");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"Zelda Quixotefeld, CV").unwrap();
    let before = traces(&t).await;
    assert!(
        before.len() > 20,
        "the fixture reaches every kind of table: {before:?}"
    );

    // Bad input changes nothing.
    let (ok, _, err) = forget(
        &t,
        &files,
        &["--email", "not-an-address", "--client", "alpha"],
    );
    assert!(!ok && err.contains("not-an-address"), "{err}");
    let (ok, _, err) = forget(
        &t,
        &files,
        &["--email", "zelda.q@example.org", "--client", "nobody"],
    );
    assert!(!ok && err.contains("no client"), "{err}");
    assert_eq!(traces(&t).await, before);

    let (ok, out, err) = forget(
        &t,
        &files,
        &["--email", "Zelda.Q@Example.org", "--client", "alpha"],
    );
    assert!(ok, "{err}");
    assert!(
        out.starts_with("alpha: erased") && out.contains("1 contacts") && out.contains("1 files"),
        "{out}"
    );

    // Only the other client's copy is left anywhere: its contact, its
    // search entry and the word of its names that is the surname.
    assert_eq!(
        traces(&t).await,
        vec![
            ("contact_search".to_string(), 1),
            ("contact_search_words".to_string(), 1),
            ("people".to_string(), 1)
        ]
    );
    let beta_left: i64 = count(
        &t,
        &format!(
            "SELECT count(*) FROM people WHERE workspace_id = '{}'",
            beta.0
        ),
    )
    .await;
    assert_eq!(beta_left, 1);
    assert!(!file.exists(), "the stored file is deleted");

    // Otto's rows, in the same tables, stay.
    for sql in [
        format!("SELECT count(*) FROM people WHERE id = '{OTTO}'"),
        format!("SELECT count(*) FROM activities WHERE person_id = '{OTTO}'"),
        format!("SELECT count(*) FROM sequence_contacts WHERE person_id = '{OTTO}'"),
        format!("SELECT count(*) FROM email_sends WHERE person_id = '{OTTO}'"),
        "SELECT count(*) FROM note_targets WHERE target_person_id IS NOT NULL".into(),
        "SELECT count(*) FROM email_events WHERE payload::text LIKE '%otto@keep.example%'".into(),
        "SELECT count(*) FROM tasks WHERE payload::text LIKE '%00000000a002%'".into(),
        "SELECT count(*) FROM imports WHERE content LIKE '%otto@keep.example%'".into(),
        "SELECT count(*) FROM calendar_events WHERE attendees = ARRAY['mailto:otto@keep.example']"
            .into(),
    ] {
        assert_eq!(count(&t, &sql).await, 1, "{sql}");
    }

    // Never mailed again: the suppression holds only a hash.
    let mut tx = t.tx(alpha, Actor::Agent).await;
    let address = EmailAddress::parse("zelda.q@example.org").unwrap();
    assert_eq!(
        suppressions::suppression(&mut tx, &address).await.unwrap(),
        Some(SuppressionReason::Erased)
    );
    drop(tx);
    // And the erasure is on record, without personal data.
    let (by, contacts): (String, i64) = sqlx::query_as(
        "SELECT requested_by, (removed->>'contacts')::bigint FROM erasures WHERE workspace_id = $1",
    )
    .bind(alpha.0)
    .fetch_one(&t.owner)
    .await
    .unwrap();
    assert_eq!((by.as_str(), contacts), ("command line", 1));
    std::fs::remove_dir_all(&files).ok();
}

#[tokio::test]
async fn only_an_admin_erases_from_the_cockpit() {
    let t = TestDb::new().await;
    let (alpha, _, _) = t.two_clients().await;
    load_fixture(&t, alpha).await;
    let member = t.member("member@alpha.test", &["alpha"]).await;
    let admin = t.user("admin@alpha.test", &["alpha"]).await;

    let mut tx = t.tx(alpha, Actor::User(member)).await;
    let refused = erasure::forget(&mut tx, "zelda.q@example.org").await;
    assert!(matches!(refused, Err(DbError::Forbidden(_))), "{refused:?}");
    drop(tx);
    // Arlo's role cannot call it at all.
    let mut tx = t.tx(alpha, Actor::Agent).await;
    assert!(erasure::forget(&mut tx, "zelda.q@example.org")
        .await
        .is_err());
    drop(tx);
    assert!(!traces(&t).await.is_empty());

    let mut tx = t.tx(alpha, Actor::User(admin)).await;
    let done = erasure::forget(&mut tx, "zelda.q@example.org")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(done.contacts(), 1);
    assert_eq!(done.file_keys, vec![format!("{}/zelda-file", alpha.0)]);
    assert_eq!(traces(&t).await, vec![]);
    let by: String = sqlx::query_scalar("SELECT requested_by FROM erasures")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(by, format!("user:{admin}"));
}

#[tokio::test]
async fn an_admin_erases_a_person_from_settings() {
    let t = TestDb::new().await;
    let (alpha, _, _) = t.two_clients().await;
    load_fixture(&t, alpha).await;
    t.member("member@alpha.test", &["alpha"]).await;
    t.user("admin@alpha.test", &["alpha"]).await;
    let files = std::env::temp_dir().join(format!("redkey-forget-http-{}", t.name));
    let file = files.join(alpha.0.to_string()).join("zelda-file");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, b"CV").unwrap();
    let settings =
        redkey::config::Settings::from_pairs(&[("REDKEY_FILES_DIR", files.to_str().unwrap())])
            .unwrap();
    let addr = crate::helpers::spawn_app(&t, &settings).await;
    let erase = |v: Visitor, email: &'static str| async move {
        let r = v
            .http
            .post(format!("http://{addr}/settings/forget"))
            .header("cookie", &v.cookie)
            .header("origin", format!("http://{addr}"))
            .form(&[("email", email)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);
        location(&r)
    };

    let member = Visitor::sign_in(addr, "member@alpha.test").await;
    let back = erase(member.clone(), "zelda.q@example.org").await;
    assert_eq!(
        back,
        "/settings/members?forget_error=only%20an%20admin%20erases%20a%20person#data-heading"
    );
    let admin = Visitor::sign_in(addr, "admin@alpha.test").await;
    let back = erase(admin.clone(), "not an address").await;
    assert!(
        back.starts_with("/settings/members?forget_error="),
        "{back}"
    );
    assert!(
        !traces(&t).await.is_empty() && file.exists(),
        "nothing changed"
    );

    let back = erase(admin.clone(), "zelda.q@example.org").await;
    assert!(back.starts_with("/settings/members?erased="), "{back}");
    assert_eq!(traces(&t).await, vec![]);
    assert!(!file.exists());
    let page = admin.text(&back).await;
    assert!(
        page.contains("Erased: ") && page.contains("records removed"),
        "the page says what happened"
    );
    std::fs::remove_dir_all(&files).ok();
}
