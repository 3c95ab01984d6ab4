//! Files over HTTP: an upload keeps the bytes and a safe name with the
//! type read from the bytes; only members of the file's client download
//! it (inline for images, sandboxed); oversized, empty and foreign uploads
//! are refused and store nothing; an archived file is gone from view.

use redkey::config::Settings;
use redkey_data::{contacts::ContactField, records};
use redkey_testkit::TestDb;
use redkey_types::Contact;
use reqwest::{header, multipart, StatusCode};

use crate::helpers::{
    client_from, spawn_app,
    visitor::{location, Visitor},
};

const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

#[tokio::test]
async fn uploads_are_sniffed_named_safely_and_served_only_within_the_client() {
    let t = TestDb::new().await;
    let (alpha, beta, human) = t.two_clients().await;
    t.user("solo@beta.test", &["beta"]).await;
    let mut tx = t.tx(alpha, human).await;
    let ann: Contact = records::create(&mut tx, vec![ContactField::FirstName("Ann".into())])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(beta, human).await;
    let ben: Contact = records::create(&mut tx, vec![ContactField::FirstName("Ben".into())])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let dir = std::env::temp_dir().join(format!("redkey-files-it-{}", uuid::Uuid::new_v4()));
    let settings = Settings::from_pairs(&[
        ("REDKEY_FILES_DIR", dir.to_str().unwrap()),
        ("REDKEY_UPLOAD_MAX_MB", "1"),
    ])
    .unwrap();
    let addr = spawn_app(&t, &settings).await;
    let me = Visitor::sign_in(addr, "owner@alpha.test").await;
    let (http, cookie) = (me.http.clone(), me.cookie.clone());
    let page = format!("/contacts/{}", ann.id);
    let upload =
        |record: uuid::Uuid, name: &'static str, bytes: Vec<u8>, cookie: Option<String>| {
            let http = http.clone();
            let page = page.clone();
            async move {
                let form = multipart::Form::new()
                    .text("kind", "contact")
                    .text("id", record.to_string())
                    .part(
                        "file",
                        multipart::Part::bytes(bytes)
                            .file_name(name)
                            .mime_str("text/html")
                            .unwrap(),
                    );
                let mut req = http
                    .post(format!("http://{addr}/files/upload"))
                    .header("origin", format!("http://{addr}"))
                    .header(header::REFERER, format!("http://{addr}{page}"))
                    .multipart(form);
                if let Some(c) = cookie {
                    req = req.header(header::COOKIE, c);
                }
                req.send().await.unwrap()
            }
        };

    let r = upload(
        ann.id,
        "../../<i>chart.png",
        PNG.to_vec(),
        Some(cookie.clone()),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), page);
    let mut tx = t.tx(alpha, human).await;
    let files = redkey_data::files::of(&mut tx, redkey_data::notes::Target::Contact(ann.id))
        .await
        .unwrap();
    drop(tx);
    assert_eq!(files.len(), 1);
    let f = &files[0];
    assert_eq!(f.name, "_i_chart.png");
    assert_eq!(
        f.content_type.as_deref(),
        Some("image/png"),
        "sniffed, not claimed"
    );
    assert_eq!(f.size_bytes, Some(PNG.len() as i64));
    assert_eq!(f.uploader.as_deref(), Some("Test User"));

    let r = me.get(&format!("/files/{}", f.id)).await;
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h[header::CONTENT_TYPE], "image/png");
    assert!(h[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("inline"));
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(h[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .contains("sandbox"));
    assert_eq!(r.bytes().await.unwrap().as_ref(), PNG);
    let html = me.text(&page).await;
    assert!(html.contains("_i_chart.png") && html.contains("class=\"preview\""));
    // A PDF is shown inline too, outside the sandbox its viewer cannot run in.
    let pdf = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec();
    let r = upload(ann.id, "terms.pdf", pdf, Some(cookie.clone())).await;
    assert!(!location(&r).contains("upload_error"), "{}", location(&r));
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM attachments WHERE name = 'terms.pdf'")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    let r = me.get(&format!("/files/{id}")).await;
    assert_eq!(r.headers()[header::CONTENT_TYPE], "application/pdf");
    assert!(r.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("inline"));
    assert!(r.headers().get(header::CONTENT_SECURITY_POLICY).is_none());

    // Refused, with the reason back on the page, and nothing stored: too
    // big, empty, another client's contact; without a session, 401.
    for (record, bytes, reason) in [
        (ann.id, vec![b'x'; (1 << 20) + 1], "at%20most%201%20MB"),
        (ann.id, vec![], "choose%20a%20file"),
        (ben.id, b"hello".to_vec(), "no%20such%20record"),
    ] {
        let r = upload(record, "x.txt", bytes, Some(cookie.clone())).await;
        assert!(location(&r).contains(reason), "{}", location(&r));
    }
    let r = upload(ann.id, "x.txt", b"hello".to_vec(), None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let stored: i64 = sqlx::query_scalar("SELECT count(*) FROM attachments")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(stored, 2, "the PNG and the PDF only");

    // Another client's member asks for the file by its id: 404.
    let solo = Visitor::sign_in(addr, "solo@beta.test").await;
    let r = solo.get(&format!("/files/{}", f.id)).await;
    assert_eq!(r.status(), 404);
    // Without a session: to sign-in, not the bytes.
    let r = http
        .get(format!("http://{addr}/files/{}", f.id))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_redirection());
    // Archived: gone from view.
    let mut tx = t.tx(alpha, human).await;
    redkey_data::audit::archive(&mut tx, redkey_data::audit::Kind::Attachment, f.id)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(me.get(&format!("/files/{}", f.id)).await.status(), 404);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn files_go_to_an_s3_store_that_checks_signatures() {
    use crate::helpers::moto::{Moto, BUCKET};
    let moto = Moto::start().await;
    let t = TestDb::new().await;
    let (alpha, _, human) = t.two_clients().await;
    let mut tx = t.tx(alpha, human).await;
    let ann: Contact = records::create(&mut tx, vec![ContactField::FirstName("Ann".into())])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let serve_with = |secret: String| {
        let t = &t;
        let endpoint = moto.endpoint.clone();
        let key = moto.key_id.clone();
        async move {
            let settings = Settings::from_pairs(&[
                ("REDKEY_FILES_S3_BUCKET", BUCKET),
                ("REDKEY_FILES_S3_ENDPOINT", endpoint.as_str()),
                ("REDKEY_FILES_S3_ACCESS_KEY_ID", key.as_str()),
                ("REDKEY_FILES_S3_SECRET_ACCESS_KEY", secret.as_str()),
            ])
            .unwrap();
            spawn_app(t, &settings).await
        }
    };
    let http = client_from("127.0.0.1");
    let page = format!("/contacts/{}", ann.id);
    let upload = |addr: std::net::SocketAddr, cookie: String| {
        let (http, page) = (http.clone(), page.clone());
        async move {
            let form = multipart::Form::new()
                .text("kind", "contact")
                .text("id", ann.id.to_string())
                .part(
                    "file",
                    multipart::Part::bytes(b"quarterly numbers".to_vec()).file_name("q.txt"),
                );
            http.post(format!("http://{addr}/files/upload"))
                .header("origin", format!("http://{addr}"))
                .header(header::REFERER, format!("http://{addr}{page}"))
                .header(header::COOKIE, cookie)
                .multipart(form)
                .send()
                .await
                .unwrap()
        }
    };

    // With the right key: stored in the bucket, served back by the cockpit.
    let addr = serve_with(moto.secret.clone()).await;
    let me = Visitor::sign_in(addr, "owner@alpha.test").await;
    let r = upload(addr, me.cookie.clone()).await;
    assert!(!r.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .contains("upload_error"));
    let key: String = sqlx::query_scalar("SELECT full_path FROM attachments")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(
        moto.object(&key).as_deref(),
        Some(&b"quarterly numbers"[..])
    );
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM attachments")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    let r = me.get(&format!("/files/{id}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"quarterly numbers");

    // With a wrong secret the store refuses the signature: the upload is
    // refused and no row is written.
    let addr = serve_with("not-the-secret".into()).await;
    let other = Visitor::sign_in(addr, "owner@alpha.test").await;
    let r = upload(addr, other.cookie).await;
    let location = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    assert!(location.contains("could%20not%20be%20stored"), "{location}");
    let rows: i64 = sqlx::query_scalar("SELECT count(*) FROM attachments")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}
