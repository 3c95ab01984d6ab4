//! `redkey serve` as a real process against a test database: for the
//! tests that run several instances, kill them, or crash them on purpose.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use redkey_testkit::TestDb;

/// A server process, killed when dropped. What it writes to stderr is
/// passed on to the test's output and kept, so a test can wait for a line.
pub struct ServerProcess {
    child: Child,
    stderr: Arc<Mutex<Vec<String>>>,
    /// Where it listens, on 127.0.0.1.
    pub port: u16,
}

impl ServerProcess {
    /// SIGKILL: no shutdown, no release, nothing flushed.
    pub fn kill9(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// Everything it wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().join("\n")
    }

    /// Waits until the process writes a stderr line containing `needle`.
    pub async fn wait_for_stderr(&self, needle: &str, timeout: Duration) {
        let started = Instant::now();
        while !self
            .stderr
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains(needle))
        {
            assert!(
                started.elapsed() < timeout,
                "no {needle:?} on stderr within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `redkey serve` on a free 127.0.0.1 port with the engine tuned for
/// tests (timers off, 200 ms heartbeats, rescue after 1.5 s); `env` adds or
/// overrides settings. Returns once it listens.
/// Under a test pooler the server serves through it, as on Supabase, and
/// listens for wake-ups on a direct connection.
pub fn start_server(t: &TestDb, instance: &str, env: &[(&str, &str)]) -> ServerProcess {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let pooled = match &t.bouncer {
        Some(_) => vec![
            ("APP_DATABASE_URL", t.serving_url()),
            ("DATABASE_POOLER", "transaction".to_string()),
            ("LISTEN_DATABASE_URL", t.direct_serving_url()),
        ],
        None => vec![],
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_redkey"))
        .arg("serve")
        .env_clear()
        .envs(pooled)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", t.url())
        .env("REDKEY_LISTEN", format!("127.0.0.1:{port}"))
        .env("REDKEY_INSTANCE", instance)
        .env("REDKEY_TIMERS", "off")
        .env("REDKEY_HEARTBEAT_MS", "200")
        .env("REDKEY_STALE_MS", "1500")
        .env("REDKEY_POLL_MS", "500")
        .env("RUST_LOG", "warn")
        .env("REDKEY_TEST_KINDS", "on")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = Arc::new(Mutex::new(Vec::new()));
    let pipe = BufReader::new(child.stderr.take().unwrap());
    let (kept, name) = (stderr.clone(), instance.to_string());
    std::thread::spawn(move || {
        for line in pipe.lines().map_while(Result::ok) {
            eprintln!("[{name}] {line}");
            kept.lock().unwrap().push(line);
        }
    });
    let server = ServerProcess {
        child,
        stderr,
        port,
    };
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
