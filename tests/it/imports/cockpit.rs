//! The import from the cockpit (over HTTP, as a browser without
//! JavaScript uses it, through the queue) and from the command line.

use redkey_data::{imports, Actor};
use redkey_testkit::TestDb;
use redkey_types::{import::ImportStatus, TableKind};
use uuid::Uuid;

use super::{count, upload, FIXTURES};

#[tokio::test]
async fn the_command_line_imports_as_a_member_with_a_progress_bar() {
    let t = TestDb::new().await;
    t.client("alpha").await;
    t.user("owner@alpha.test", &["alpha"]).await;
    let url = t.url();
    let cli = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_redkey"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &url)
            .output()
            .unwrap()
    };
    let file = format!("{FIXTURES}/companies.csv");
    let dry = cli(&[
        "import",
        "--as",
        "owner@alpha.test",
        "--kind",
        "companies",
        "--dry-run",
        &file,
    ]);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&dry.stdout).trim(),
        "2 would be created, 0 updated, 0 unchanged, 0 skipped, 0 failed"
    );
    let out = cli(&[
        "import",
        "--as",
        "owner@alpha.test",
        "--kind",
        "companies",
        "--column",
        "Address / City=ignore",
        &file,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "2 were created, 0 updated, 0 unchanged, 0 skipped, 0 failed"
    );
    let cities: Vec<Option<String>> =
        sqlx::query_scalar("SELECT address_address_city FROM companies")
            .fetch_all(&t.owner)
            .await
            .unwrap();
    assert_eq!(cities, vec![None, None], "the corrected column was ignored");
    let stranger = cli(&[
        "import",
        "--as",
        "nobody@alpha.test",
        "--kind",
        "companies",
        &file,
    ]);
    assert!(!stranger.status.success());
    assert!(String::from_utf8_lossy(&stranger.stderr).contains("no user nobody@alpha.test"));
}

/// The cockpit's flow as a browser without JavaScript: upload (refused
/// past its limit, or when not UTF-8), correct a column, dry run, import;
/// each run is a task the engine carries out. Another client sees none of
/// it.
#[tokio::test]
async fn the_cockpit_uploads_matches_checks_and_imports_through_the_queue() {
    use crate::helpers::{
        spawn_app,
        visitor::{location, Visitor},
    };
    use redkey::{config::Settings, engine::Engine};
    use reqwest::{header, multipart, StatusCode};

    let t = TestDb::new().await;
    let (alpha, _, _) = t.two_clients().await;
    t.user("solo@beta.test", &["beta"]).await;
    let settings = Settings::from_pairs(&[("REDKEY_IMPORT_MAX_MB", "1")]).unwrap();
    let addr = spawn_app(&t, &settings).await;
    let me = Visitor::sign_in(addr, "owner@alpha.test").await;
    let upload = |kind: &'static str, bytes: Vec<u8>| {
        let (http, cookie) = (me.http.clone(), me.cookie.clone());
        async move {
            let form = multipart::Form::new().text("kind", kind).part(
                "file",
                multipart::Part::bytes(bytes).file_name("people.csv"),
            );
            http.post(format!("http://{addr}/import/upload"))
                .header("origin", format!("http://{addr}"))
                .header(header::REFERER, format!("http://{addr}/import"))
                .header(header::COOKIE, cookie)
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };
    let big = vec![b'a'; (1 << 20) + 10];
    let r = upload("contacts", big).await;
    assert!(
        location(&r).starts_with(
            "/import?upload_error=a%20file%20to%20import%20may%20be%20at%20most%201%20MB"
        ),
        "{}",
        location(&r)
    );
    let r = upload("contacts", vec![0xff, 0xfe, b'a', b'\n']).await;
    assert!(location(&r).contains("not%20UTF-8"), "{}", location(&r));
    let r = upload("gadgets", b"Email\nx@y.example\n".to_vec()).await;
    assert!(
        location(&r).contains("choose%20contacts"),
        "{}",
        location(&r)
    );
    assert_eq!(count(&t, alpha, "crm_imports").await, 0, "nothing stored");

    let csv = "Who,Mail\nAda Lovelace,ada@acme.example\nNobody,nobody-at-all\n";
    let r = upload("contacts", csv.as_bytes().to_vec()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = location(&r);
    let id: Uuid = page.strip_prefix("/import/").unwrap().parse().unwrap();
    let html = me.text(&page).await;
    assert!(
        html.contains("Who") && html.contains("ada@acme.example"),
        "headers and samples shown"
    );
    // "Mail" was guessed as nothing; "Who" as nothing: the person says.
    let r = me
        .post_form(
            "save_import_columns",
            &page,
            &[
                ("id", &id.to_string()),
                ("columns[0]", "full_name"),
                ("columns[1]", "email"),
            ],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let r = me
        .post_form(
            "run_import",
            &page,
            &[("id", &id.to_string()), ("apply", "false")],
        )
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    let html = me.text(&page).await;
    assert!(
        html.contains("http-equiv=\"refresh\""),
        "a running import's page reloads itself"
    );

    let engine = Engine::new(t.db.clone(), settings.engine.clone(), None).unwrap();
    assert!(
        engine.run_one().await.unwrap().is_some(),
        "the dry run is a task"
    );
    let html = me.text(&page).await;
    assert!(
        html.contains("Would create 1, update 0, leave 0 unchanged; 1 skipped, 0 failed."),
        "{html}"
    );
    assert!(html.contains("data-line=\"3\" data-outcome=\"skipped\""));
    assert_eq!(count(&t, alpha, "crm_contacts").await, 0);

    me.post_form(
        "run_import",
        &page,
        &[("id", &id.to_string()), ("apply", "true")],
    )
    .await;
    assert!(
        engine.run_one().await.unwrap().is_some(),
        "the import is a task"
    );
    let html = me.text(&page).await;
    assert!(
        html.contains("Created 1, updated 0, left 0 unchanged; 1 skipped, 0 failed."),
        "{html}"
    );
    assert_eq!(count(&t, alpha, "crm_contacts").await, 1);

    // Beta's member: alpha's import is not found, and cannot be run.
    let other = Visitor::sign_in(addr, "solo@beta.test").await;
    let html = other.text(&page).await;
    assert!(!html.contains("ada@acme.example"));
    other
        .post_form(
            "run_import",
            &page,
            &[("id", &id.to_string()), ("apply", "true")],
        )
        .await;
    assert!(
        engine.run_one().await.unwrap().is_none(),
        "nothing was queued"
    );
}

/// A run the engine cannot carry out (the uploader left the client) fails
/// for good, and the import says so instead of waiting forever.
#[tokio::test]
async fn a_run_whose_uploader_left_fails_and_the_import_says_so() {
    use redkey::{config::Settings, engine::Engine};
    use redkey_data::tasks::{self, NewTask};
    use redkey_types::kinds::{ImportRun, TaskPayload};

    let t = TestDb::new().await;
    let (alpha, _, me) = t.two_clients().await;
    let id = upload(&t, alpha, me, TableKind::Contacts, "Email\na@b.example\n").await;
    let mut tx = t.tx(alpha, me).await;
    imports::start(&mut tx, id, true).await.unwrap();
    let payload = TaskPayload::ImportRun(ImportRun { import: id });
    tasks::enqueue(
        &mut tx,
        &NewTask::typed("roles.crm", &payload, "user:x".into()),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let email = redkey_types::EmailAddress::parse("owner@alpha.test").unwrap();
    assert!(
        redkey_data::admin::remove_membership(&t.owner, &email, "alpha")
            .await
            .unwrap()
    );
    let settings = Settings::from_pairs(&[]).unwrap();
    let engine = Engine::new(t.db.clone(), settings.engine, None).unwrap();
    engine
        .run_one()
        .await
        .unwrap()
        .expect("the run was claimed");
    let mut tx = t.tx(alpha, Actor::Agent).await;
    let import = imports::get(&mut tx, id).await.unwrap();
    assert_eq!(import.status, ImportStatus::Failed);
    assert_eq!(
        count(&t, alpha, "crm_contacts").await,
        0,
        "nothing imported"
    );
}
