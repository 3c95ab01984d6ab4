//! The secret store from outside: rotation through the command line, the
//! model's key kept in it, sources declared in the config file.

use redkey_data::{secrets::SecretBox, sources, Actor};
use redkey_testkit::TestDb;
use redkey_types::SourceKind;
use serde_json::json;

#[tokio::test]
async fn rotating_the_secret_key_reseals_every_credential() {
    let t = TestDb::new().await;
    let (a, _, human) = t.two_clients().await;
    let (old, new) = (SecretBox::generate_key(), SecretBox::generate_key());
    let store = SecretBox::new(&old, &[]).unwrap();
    let mut tx = t.tx(a, human).await;
    let s = sources::create(&mut tx, SourceKind::Quill, "Quill", &json!({}))
        .await
        .unwrap();
    sources::set_secret(&mut tx, &store, s.id, "webhook-secret")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // A key an admin set on Settings → Integrations rotates with them.
    let mut tx = t.tx(a, Actor::Agent).await;
    let model = redkey_data::api_library::Configured {
        provider: "anthropic",
        name: "model",
        base_url: "https://api.anthropic.com",
        secret_ref: "ANTHROPIC_API_KEY",
        rate_per_minute: None,
    };
    let used = redkey_data::api_library::use_provider(&mut tx, &model)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = t.tx(a, human).await;
    let sealed = store.seal("sk-ant-in-settings", used.id.as_bytes());
    redkey_data::api_library::set(&mut tx, used.id, &used.base_url, None, Some(&sealed), false)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    // The credential is not in the database in the clear, nor in the view.
    let raw: Vec<u8> = sqlx::query_scalar("SELECT secret FROM ingest_sources")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("webhook-secret"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_redkey"))
        .args(["secrets", "rotate"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", t.url())
        .env("REDKEY_SECRET_KEY", &new)
        .env("REDKEY_SECRET_KEYS_OLD", &old)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("2 credential(s) re-sealed"));
    // Only the new key is needed now.
    let only_new = SecretBox::new(&new, &[]).unwrap();
    let mut tx = t.tx(a, Actor::Agent).await;
    assert_eq!(
        sources::secret(&mut tx, &only_new, s.id)
            .await
            .unwrap()
            .as_deref(),
        Some("webhook-secret")
    );
    let used = redkey_data::api_library::use_provider(&mut tx, &model)
        .await
        .unwrap();
    let key = only_new.open(&used.sealed_key.unwrap(), used.id.as_bytes());
    assert_eq!(key.as_deref(), Ok("sk-ant-in-settings"));
}

#[tokio::test]
async fn the_model_key_can_live_in_the_secret_store_and_rotates_with_it() {
    use std::io::Write;
    let t = TestDb::new().await;
    let (old, new) = (SecretBox::generate_key(), SecretBox::generate_key());
    let run = |args: &[&str], key: &str, old_keys: &str, stdin: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_redkey"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", t.url())
            .env("REDKEY_SECRET_KEY", key)
            .env("REDKEY_SECRET_KEYS_OLD", old_keys)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    run(
        &["secrets", "put", "anthropic"],
        &old,
        "",
        "sk-ant-stored-key\n",
    );
    let raw: Vec<u8> = sqlx::query_scalar("SELECT sealed FROM product_secrets")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("sk-ant-stored-key"));
    let with_old = SecretBox::new(&old, &[]).unwrap();
    assert_eq!(
        redkey_data::secrets::product(&t.owner, &with_old, "anthropic_api_key")
            .await
            .unwrap()
            .as_deref(),
        Some("sk-ant-stored-key")
    );
    assert!(run(&["secrets", "rotate"], &new, &old, "").contains("1 credential(s) re-sealed"));
    let only_new = SecretBox::new(&new, &[]).unwrap();
    assert_eq!(
        redkey_data::secrets::product(&t.owner, &only_new, "anthropic_api_key")
            .await
            .unwrap()
            .as_deref(),
        Some("sk-ant-stored-key")
    );
}

#[tokio::test]
async fn sources_in_the_config_file_are_applied_at_start_up_with_their_secret_sealed() {
    let t = TestDb::new().await;
    let (a, _, _) = t.two_clients().await;
    let key = SecretBox::generate_key();
    let dir = std::env::temp_dir().join(format!("redkey-config-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("redkey.toml");
    std::fs::write(
        &config,
        "[[sources]]\nclient = \"alpha\"\nkind = \"quill\"\nname = \"Quill\"\nsecret = \"from-the-config-file\"\n\n\
         [[sources]]\nclient = \"alpha\"\nkind = \"imap\"\nname = \"Founder's mail\"\nsecret = \"imap-password\"\n\
         settings = { host = \"imap.alpha.test\", port = 993, username = \"justin\", address = \"justin@alpha.test\" }\n",
    )
    .unwrap();
    let config_path = config.display().to_string();
    let env = [
        ("REDKEY_CONFIG", config_path.as_str()),
        ("REDKEY_SECRET_KEY", key.as_str()),
    ];
    for _ in 0..2 {
        // Applied twice (two starts): still one source each.
        let server = crate::helpers::server_process::start_server(&t, "config", &env);
        let ready = format!("http://127.0.0.1:{}/readyz", server.port);
        for _ in 0..200 {
            if reqwest::get(&ready)
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        drop(server);
    }
    let store = SecretBox::new(&key, &[]).unwrap();
    let mut tx = t.tx(a, Actor::Agent).await;
    let all = sources::list(&mut tx).await.unwrap();
    assert_eq!(all.len(), 2, "{all:?}");
    let imap = all.iter().find(|s| s.kind == SourceKind::Imap).unwrap();
    assert_eq!(imap.settings["host"], "imap.alpha.test");
    assert_eq!(
        sources::secret(&mut tx, &store, imap.id)
            .await
            .unwrap()
            .as_deref(),
        Some("imap-password")
    );
    std::fs::remove_dir_all(dir).unwrap();
}
