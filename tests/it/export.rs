//! `redkey export`: one client's records as CSV and JSON in a zip anyone
//! can open, with the files they uploaded, and nothing of another client's.

use std::io::Read;

use redkey_data::{files::NewFile, notes::Target, Actor, ClientId};
use redkey_testkit::TestDb;
use uuid::Uuid;

use crate::helpers::{
    command,
    visitor::{contact, Visitor},
};

fn export(t: &TestDb, files: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let (url, files) = (t.url(), files.to_str().unwrap().to_string());
    let env = [
        ("DATABASE_URL", url.as_str()),
        ("REDKEY_FILES_DIR", files.as_str()),
    ];
    let ran = command::redkey(&env, &[&["export"], args].concat());
    (ran.ok, ran.out.trim().to_string(), ran.err)
}

fn entry(zip: &mut zip::ZipArchive<std::fs::File>, name: &str) -> Vec<u8> {
    let mut bytes = Vec::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} is in the archive"))
        .read_to_end(&mut bytes)
        .unwrap();
    bytes
}

async fn client_id(t: &TestDb, slug: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM workspaces WHERE slug = $1")
        .bind(slug)
        .fetch_one(&t.owner)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_client_takes_its_records_and_files_and_nothing_else() {
    let t = TestDb::new().await;
    redkey::admin::seed::seed(&t.owner, &t.db).await.unwrap();
    let (ours, theirs) = (
        client_id(&t, "bezeliq").await,
        client_id(&t, "harbor").await,
    );
    let dir = std::env::temp_dir().join(format!("redkey-export-{}", t.name));
    let files = dir.join("files");

    // A file uploaded on one of our contacts, under a name that tries to
    // climb out of the folder it unpacks into.
    let founder: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(redkey::admin::seed::DEMO_EMAIL)
        .fetch_one(&t.owner)
        .await
        .unwrap();
    let mut tx = t.tx(ClientId(ours), Actor::User(founder)).await;
    let contact: Uuid = sqlx::query_scalar("SELECT id FROM crm_contacts ORDER BY id LIMIT 1")
        .fetch_one(tx.conn())
        .await
        .unwrap();
    let bytes = b"%PDF-1.4 the signed proposal".to_vec();
    let key = format!("{ours}/{}", Uuid::new_v4());
    std::fs::create_dir_all(files.join(ours.to_string())).unwrap();
    std::fs::write(files.join(&key), &bytes).unwrap();
    let file_id = redkey_data::files::add(
        &mut tx,
        NewFile {
            name: "../../proposal.pdf".into(),
            key,
            size_bytes: bytes.len() as i64,
            content_type: "application/pdf".into(),
            category: "TEXT_DOCUMENT",
            target: Target::Contact(contact),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let out_file = dir.join("bezeliq.zip");
    let (ok, out, err) = export(
        &t,
        &files,
        &["--client", "bezeliq", "--out", out_file.to_str().unwrap()],
    );
    assert!(ok, "{err}");
    assert!(out.contains("1 files"), "{out}");
    assert!(!out_file.with_extension("partial").exists());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&out_file).unwrap()).unwrap();

    // Each kind twice, the same rows as the view shows this client.
    for (kind, view) in [
        ("contacts", "crm_contacts"),
        ("companies", "crm_companies"),
        ("deals", "crm_deals"),
        ("activities", "crm_activities"),
        ("notes", "crm_notes"),
        ("tasks", "crm_todos"),
        ("sequences", "crm_sequences"),
        ("files", "crm_attachments"),
    ] {
        let mut owner = t.owner_tx(ClientId(ours)).await;
        // Sorted as text, the way Uuid orders.
        let ids: Vec<Uuid> =
            sqlx::query_scalar(&format!("SELECT id FROM {view} ORDER BY id::text"))
                .fetch_all(&mut *owner)
                .await
                .unwrap();
        let csv_bytes = entry(&mut zip, &format!("{kind}.csv"));
        let mut reader = csv::Reader::from_reader(csv_bytes.as_slice());
        let id_col = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "id")
            .unwrap();
        let mut from_csv: Vec<Uuid> = reader
            .records()
            .map(|r| r.unwrap()[id_col].parse().unwrap())
            .collect();
        from_csv.sort();
        assert_eq!(from_csv, ids, "{kind}.csv");
        let json: Vec<serde_json::Value> =
            serde_json::from_slice(&entry(&mut zip, &format!("{kind}.json"))).unwrap();
        let mut from_json: Vec<Uuid> = json
            .iter()
            .map(|r| r["id"].as_str().unwrap().parse().unwrap())
            .collect();
        from_json.sort();
        assert_eq!(from_json, ids, "{kind}.json");
        assert!(
            json.iter().all(|r| r["client_id"] == ours.to_string()),
            "{kind}.json"
        );
    }
    let contacts = entry(&mut zip, "contacts.csv");
    assert!(contacts.len() > 200, "the demo's contacts are there");

    // Nothing of the other client's, anywhere in the archive.
    let mut owner = t.owner_tx(ClientId(theirs)).await;
    let foreign: Vec<String> = sqlx::query_scalar(
        "SELECT id::text FROM crm_contacts UNION ALL SELECT id::text FROM crm_deals \
         UNION ALL SELECT id::text FROM crm_companies UNION ALL SELECT email FROM crm_contacts WHERE email IS NOT NULL",
    )
    .fetch_all(&mut *owner)
    .await
    .unwrap();
    assert!(!foreign.is_empty());
    for i in 0..zip.len() {
        let mut text = String::new();
        let mut f = zip.by_index(i).unwrap();
        let name = f.name().to_string();
        assert!(!name.contains(".."), "{name}");
        f.read_to_string(&mut text).ok();
        for id in &foreign {
            assert!(!text.contains(id.as_str()), "{id} of harbor in {name}");
        }
        assert!(!text.contains(&theirs.to_string()), "harbor's id in {name}");
    }

    // The uploaded bytes as they were, named by the file's id.
    assert_eq!(
        entry(&mut zip, &format!("files/{file_id}-_._proposal.pdf")),
        bytes
    );
    let readme = String::from_utf8(entry(&mut zip, "README.txt")).unwrap();
    assert!(
        readme.contains("contacts") && readme.contains("1 stored files"),
        "{readme}"
    );

    // An unknown client: a clear error and no file.
    let missing = dir.join("nobody.zip");
    let (ok, _, err) = export(
        &t,
        &files,
        &["--client", "nobody", "--out", missing.to_str().unwrap()],
    );
    assert!(!ok);
    assert_eq!(
        err,
        "error: no client \"nobody\" (see `redkey create-client`)"
    );
    assert!(!missing.exists() && !missing.with_extension("partial").exists());
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn an_admin_downloads_the_same_archive_from_settings_and_a_member_cannot() {
    let t = TestDb::new().await;
    let (alpha, beta, both) = t.two_clients().await;
    t.member("member@alpha.test", &["alpha"]).await;
    t.user("admin@alpha.test", &["alpha"]).await;
    let ours = contact(&t, alpha, both, "Ada").await.id;
    contact(&t, beta, both, "Bea").await;
    let files = std::env::temp_dir().join(format!("redkey-export-http-{}", t.name));
    let settings =
        redkey::config::Settings::from_pairs(&[("REDKEY_FILES_DIR", files.to_str().unwrap())])
            .unwrap();
    let addr = crate::helpers::spawn_app(&t, &settings).await;

    let member = Visitor::sign_in(addr, "member@alpha.test").await;
    let r = member.get("/settings/export.zip").await;
    assert_eq!(r.status(), reqwest::StatusCode::FORBIDDEN);
    assert_eq!(
        r.text().await.unwrap(),
        "only an admin of this client exports its records"
    );

    let admin = Visitor::sign_in(addr, "admin@alpha.test").await;
    let page = admin.text("/settings/members").await;
    assert!(
        page.contains(r#"href="/settings/export.zip""#),
        "the Members page links the download"
    );
    let r = admin.get("/settings/export.zip").await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert_eq!(
        r.headers()[reqwest::header::CONTENT_TYPE],
        "application/zip"
    );
    let disposition = r.headers()[reqwest::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.starts_with("attachment; filename=\"redkey-alpha-"),
        "{disposition}"
    );
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut json = String::new();
    zip.by_name("contacts.json")
        .unwrap()
        .read_to_string(&mut json)
        .unwrap();
    let contacts: Vec<serde_json::Value> = serde_json::from_str(&json).unwrap();
    assert_eq!(contacts.len(), 1, "{json}");
    assert_eq!(contacts[0]["id"], ours.to_string());
    assert_eq!(contacts[0]["client_id"], alpha.0.to_string());
    assert!(zip.by_name("README.txt").is_ok());
}
