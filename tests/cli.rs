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
