//! Debian's Caddy as the TLS reverse proxy of a deployment: its internal CA
//! on a free 127.0.0.1 port, everything it writes kept in a throwaway
//! directory (nothing under the real home, no system trust store touched).

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct Caddy {
    child: Child,
    dir: PathBuf,
    pub port: u16,
}

impl Caddy {
    /// A free port to give `start`, so the upstream can be told its
    /// public URL before the proxy runs.
    pub fn free_port() -> u16 {
        TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    /// Proxies `https://127.0.0.1:port` to `upstream` on 127.0.0.1; returns
    /// once it answers over TLS.
    pub async fn start(port: u16, upstream: u16) -> Self {
        let dir =
            std::env::temp_dir().join(format!("redkey-caddy-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.display();
        // `admin off`: no shared localhost:2019 between parallel tests;
        // `protocols h1 h2`: no UDP listener for HTTP/3.
        std::fs::write(
            dir.join("Caddyfile"),
            format!(
                "{{\n\tadmin off\n\tauto_https disable_redirects\n\tskip_install_trust\n\
                 \tlocal_certs\n\thttps_port {port}\n\tstorage file_system {d}/data/caddy\n\
                 \tservers {{\n\t\tprotocols h1 h2\n\t}}\n}}\n\
                 https://127.0.0.1:{port} {{\n\tbind 127.0.0.1\n\ttls internal\n\
                 \treverse_proxy 127.0.0.1:{upstream}\n}}\n"
            ),
        )
        .unwrap();
        let child = Command::new("/usr/bin/caddy")
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(dir.join("Caddyfile"))
            .env_clear()
            .env("HOME", &dir)
            .env("XDG_DATA_HOME", dir.join("data"))
            .env("XDG_CONFIG_HOME", dir.join("config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("caddy is installed (scripts/setup.sh)");
        let caddy = Self { child, dir, port };
        for _ in 0..300 {
            if let Ok(http) = caddy.client() {
                if http.get(caddy.url("/healthz")).send().await.is_ok() {
                    return caddy;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("caddy never answered over https on {port}");
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    /// A client that trusts only Caddy's internal root (and no redirects).
    pub fn client(&self) -> Result<reqwest::Client, String> {
        let root = self.dir.join("data/caddy/pki/authorities/local/root.crt");
        let pem = std::fs::read(&root).map_err(|e| e.to_string())?;
        let cert = reqwest::Certificate::from_pem(&pem).map_err(|e| e.to_string())?;
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(cert)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| e.to_string())
    }
}

impl Drop for Caddy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
