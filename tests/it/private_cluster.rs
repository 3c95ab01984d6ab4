//! The private cluster `scripts/run.sh` starts keeps data: a generated
//! password (0600) is required, and fsync stays on. The test command's
//! throwaway cluster trusts loopback.

use std::os::unix::fs::PermissionsExt;

use redkey::pg::{Cluster, Kind};
use sqlx::{Connection, PgConnection};

#[tokio::test]
async fn a_kept_cluster_needs_its_password_and_keeps_fsync_on() {
    let dir = std::env::temp_dir().join(format!("redkey-kept-{}", uuid::Uuid::new_v4().simple()));
    let cluster = tokio::task::spawn_blocking({
        let dir = dir.clone();
        move || Cluster::start(&dir, Kind::Kept)
    })
    .await
    .unwrap()
    .unwrap();
    let mode = std::fs::metadata(dir.join("password"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let password = std::fs::read_to_string(dir.join("password")).unwrap();
    assert_eq!(cluster.password(), Some(password.trim()));

    let without = format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port);
    assert!(PgConnection::connect(&without).await.is_err());
    let wrong = format!(
        "postgres://postgres:guess@127.0.0.1:{}/postgres",
        cluster.port
    );
    assert!(PgConnection::connect(&wrong).await.is_err());
    let mut conn = PgConnection::connect(&cluster.url("postgres"))
        .await
        .unwrap();
    let fsync: String = sqlx::query_scalar("SHOW fsync")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(fsync, "on");
    conn.close().await.unwrap();

    cluster.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_cluster_made_before_passwords_is_converted_on_its_next_start() {
    let dir = std::env::temp_dir().join(format!("redkey-old-{}", uuid::Uuid::new_v4().simple()));
    let start = |kind| {
        let dir = dir.clone();
        tokio::task::spawn_blocking(move || Cluster::start(&dir, kind))
    };
    // As the run command made it before: trust on loopback.
    let old = start(Kind::Throwaway).await.unwrap().unwrap();
    let open = format!("postgres://postgres@127.0.0.1:{}/postgres", old.port);
    PgConnection::connect(&open)
        .await
        .unwrap()
        .close()
        .await
        .unwrap();
    old.stop().unwrap();
    // The run command starts it now: it gets a password and needs it.
    let kept = start(Kind::Kept).await.unwrap().unwrap();
    let open = format!("postgres://postgres@127.0.0.1:{}/postgres", kept.port);
    assert!(PgConnection::connect(&open).await.is_err());
    PgConnection::connect(&kept.url("postgres"))
        .await
        .unwrap()
        .close()
        .await
        .unwrap();
    kept.stop().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
