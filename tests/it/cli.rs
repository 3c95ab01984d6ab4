//! Bad configuration ends in one clear line and a non-zero exit.

use std::process::Command;

fn redkey(env: &[(&str, &str)], args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_redkey"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    )
}

#[test]
fn an_unparseable_database_url_is_one_line() {
    let (ok, err) = redkey(&[("DATABASE_URL", "not-a-url")], &["migrate"]);
    assert!(!ok);
    assert_eq!(err, "error: DATABASE_URL is not a valid postgres:// URL");
}

#[test]
fn an_unreachable_database_is_one_line() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://nobody:secret@127.0.0.1:{port}/nothing");
    let (ok, err) = redkey(&[("DATABASE_URL", &url)], &["migrate"]);
    assert!(!ok);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with("error: cannot connect to the database at postgres://nobody@127.0.0.1"),
        "{err}"
    );
    assert!(!err.contains("secret"), "the password leaked: {err}");
}

#[test]
fn a_port_in_use_is_one_line() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let (ok, err) = redkey(
        &[
            ("REDKEY_LISTEN", &addr),
            ("DATABASE_URL", "postgres://x@127.0.0.1:1/x"),
        ],
        &["serve"],
    );
    assert!(!ok);
    assert!(
        err.starts_with(&format!("error: cannot listen on {addr}:")),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn a_bad_listen_address_is_one_line() {
    let (ok, err) = redkey(&[("REDKEY_LISTEN", "localhost")], &["serve"]);
    assert!(!ok);
    assert_eq!(
        err,
        "error: REDKEY_LISTEN \"localhost\" is not an address like 127.0.0.1:3000"
    );
}

#[tokio::test]
async fn tokens_are_created_listed_and_revoked_from_the_command_line() {
    let t = redkey_testkit::TestDb::new().await;
    t.client("alpha").await;
    let url = t.url();
    let env = [("DATABASE_URL", url.as_str())];
    let out = Command::new(env!("CARGO_BIN_EXE_redkey"))
        .args(["token", "create", "--client", "alpha", "--agent", "ea"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("rk_") && token.len() == 67, "{token}");
    let (ok, _) = redkey(&env, &["token", "list"]);
    assert!(ok);
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM api_tokens")
        .fetch_one(&t.owner)
        .await
        .unwrap();
    let listed = Command::new(env!("CARGO_BIN_EXE_redkey"))
        .args(["token", "list"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let listed = String::from_utf8(listed.stdout).unwrap();
    assert!(
        listed.contains(&id.to_string()) && listed.contains("live"),
        "{listed}"
    );
    assert!(
        !listed.contains(&token),
        "the token itself is never shown again"
    );
    let (ok, _) = redkey(&env, &["token", "revoke", &id.to_string()]);
    assert!(ok);
    let (ok, err) = redkey(&env, &["token", "revoke", &id.to_string()]);
    assert!(!ok);
    assert_eq!(err, format!("error: no live token with id {id}"));
    let (ok, err) = redkey(
        &env,
        &["token", "create", "--client", "nope", "--agent", "ea"],
    );
    assert!(!ok);
    assert_eq!(err, "error: no client with slug \"nope\"");
}

/// `redkey twenty`: attach a workspace schema, refuse one that is not, and
/// run the upgrade hooks around it.
#[tokio::test]
async fn a_twenty_workspace_is_attached_and_upgraded_from_the_command_line() {
    let t = redkey_testkit::TestDb::new().await;
    t.client("alpha").await;
    t.twenty_workspace("workspace_cli").await;
    let url = t.url();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_redkey"))
            .args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &url)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        )
    };
    let (ok, _, err) = run(&[
        "twenty",
        "attach",
        "--workspace-schema",
        "public",
        "--client",
        "alpha",
    ]);
    assert!(!ok);
    assert_eq!(
        err,
        "error: public has no table company: is it a Twenty workspace schema?"
    );
    let (ok, out, err) = run(&[
        "twenty",
        "attach",
        "--workspace-schema",
        "workspace_cli",
        "--client",
        "alpha",
    ]);
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "alpha now reads and writes Twenty workspace workspace_cli"
    );
    let (ok, out, _) = run(&["twenty", "before-upgrade"]);
    assert!(ok && out.contains("dropped for 1 workspace(s)"), "{out}");
    let contacts: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('redkey_twenty.crm_contacts')::text")
            .fetch_one(&t.owner)
            .await
            .unwrap();
    assert_eq!(contacts, None, "what pins Twenty's columns is gone");
    let (ok, out, _) = run(&["twenty", "after-upgrade"]);
    assert!(ok && out.contains("rebuilt for 1 workspace(s)"), "{out}");
    let contacts: Option<String> =
        sqlx::query_scalar("SELECT to_regclass('redkey_twenty.crm_contacts')::text")
            .fetch_one(&t.owner)
            .await
            .unwrap();
    assert_eq!(contacts.as_deref(), Some("redkey_twenty.crm_contacts"));
}
