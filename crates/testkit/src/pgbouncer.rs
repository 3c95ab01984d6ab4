//! Debian's PgBouncer in transaction mode in front of the test server, the
//! shape of Supabase's port 6543.
//!
//! Made strict so a query the pooler cannot carry fails every time rather
//! than once in a while: `DEALLOCATE ALL` runs whenever a server session is
//! handed back, so a statement prepared outside a transaction is gone
//! before its Bind arrives, and fewer server sessions than clients make
//! every client land on sessions others used. Unknown startup parameters
//! are refused, as PgBouncer does by default.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use sqlx::postgres::PgConnectOptions;

pub struct PgBouncer {
    child: Child,
    dir: PathBuf,
    pub port: u16,
}

impl PgBouncer {
    /// The strict pooler the test suite runs through: three server sessions
    /// per database and user (fewer than the serving pool's eight), reset
    /// after every transaction. Returns once it accepts connections. Every
    /// user the tests log in as must be listed in `users` (trust still
    /// reads its auth file).
    pub async fn start(upstream: &PgConnectOptions, users: &[&str]) -> Self {
        Self::launch(
            upstream,
            users,
            "default_pool_size = 3\nserver_reset_query = DEALLOCATE ALL\n\
             server_reset_query_always = 1\n",
        )
        .await
    }

    /// A pooler with a single server session per database and user and no
    /// reset, as PgBouncer runs by default in transaction mode: every
    /// client's transactions share that session, so whatever a client
    /// leaves on it (a named prepared statement) can be read back there.
    pub async fn one_session(upstream: &PgConnectOptions, users: &[&str]) -> Self {
        Self::launch(upstream, users, "default_pool_size = 1\n").await
    }

    async fn launch(upstream: &PgConnectOptions, users: &[&str], pool: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = std::env::temp_dir().join(format!(
            "redkey-pgbouncer-{}",
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let userlist: String = users.iter().map(|u| format!("\"{u}\" \"\"\n")).collect();
        std::fs::write(dir.join("userlist.txt"), userlist).unwrap();
        std::fs::write(
            dir.join("pgbouncer.ini"),
            format!(
                "[databases]\n* = host={host} port={upstream_port}\n\
                 [pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\n\
                 unix_socket_dir =\nauth_type = trust\nauth_file = {dir}/userlist.txt\n\
                 pool_mode = transaction\nmax_client_conn = 200\n{pool}",
                host = upstream.get_host(),
                upstream_port = upstream.get_port(),
                dir = dir.display(),
            ),
        )
        .unwrap();
        let mut cmd = Command::new("/usr/sbin/pgbouncer");
        // PgBouncer refuses to run as root; it reads its files first.
        if is_root() {
            cmd.args(["-u", "nobody"]);
        }
        let child = cmd
            .arg(dir.join("pgbouncer.ini"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pgbouncer is installed (scripts/setup.sh)");
        let bouncer = Self { child, dir, port };
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return bouncer;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("pgbouncer never listened on {port}");
    }

    /// `options` with the pooler as host and port.
    pub fn in_front(&self, options: PgConnectOptions) -> PgConnectOptions {
        options.host("127.0.0.1").port(self.port)
    }
}

/// Whether this process runs as root (user id 0), read from /proc so no
/// libc binding is needed.
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
