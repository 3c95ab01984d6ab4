//! `redkey serve` as a real process against a test database: for the
//! tests that run several instances, kill them, or crash them on purpose.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use super::TestDb;

/// A server process, killed when dropped.
pub struct ServerProcess(pub Child);

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `redkey serve` on a free 127.0.0.1 port with the engine tuned for
/// tests (timers off, 200 ms heartbeats, rescue after 1.5 s); `env` adds or
/// overrides settings. Returns once it listens.
pub fn start_server(t: &TestDb, instance: &str, env: &[(&str, &str)]) -> ServerProcess {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(env!("CARGO_BIN_EXE_redkey"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", t.url())
        .env("REDKEY_LISTEN", format!("127.0.0.1:{port}"))
        .env("REDKEY_INSTANCE", instance)
        .env("REDKEY_TIMERS", "off")
        .env("REDKEY_HEARTBEAT_MS", "200")
        .env("REDKEY_STALE_MS", "1500")
        .env("REDKEY_POLL_MS", "500")
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let server = ServerProcess(child);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{instance} never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}
