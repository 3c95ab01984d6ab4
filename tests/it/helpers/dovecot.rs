//! Debian's Dovecot on a free 127.0.0.1 port, in a throwaway directory,
//! with one user (`test`/`secret`), plain IMAP; and a small client to put
//! mail into it.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

use async_imap::Client;
use tokio::net::TcpStream;

pub struct Dovecot {
    child: Child,
    pub port: u16,
    /// IMAP over TLS, with a self-signed certificate for 127.0.0.1.
    pub tls_port: u16,
    /// That certificate (PEM), to trust.
    pub cert: String,
    dir: PathBuf,
}

impl Dovecot {
    pub async fn start() -> Self {
        Self::start_with(None).await
    }

    /// With XOAUTH2 too: tokens checked at `introspection` (a local fake).
    pub async fn start_with(introspection: Option<&str>) -> Self {
        let free = || {
            TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        };
        let (port, tls_port) = (free(), free());
        let dir =
            std::env::temp_dir().join(format!("redkey-dovecot-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(dir.join("mail")).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        // Dovecot refuses uid 0 for mail; the package's `nobody` owns it.
        std::os::unix::fs::chown(dir.join("mail"), Some(65534), Some(65534)).unwrap();
        std::fs::write(dir.join("users"), "test:{PLAIN}secret\n").unwrap();
        let made = Command::new("openssl")
            .args([
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=localhost",
            ])
            .args(["-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"])
            .args(["-addext", "basicConstraints=critical,CA:FALSE"])
            .arg("-keyout")
            .arg(dir.join("key.pem"))
            .arg("-out")
            .arg(dir.join("cert.pem"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        assert!(made.success(), "openssl made the test certificate");
        let cert = std::fs::read_to_string(dir.join("cert.pem")).unwrap();
        let oauth = match introspection {
            Some(url) => {
                std::fs::write(
                    dir.join("oauth2.conf.ext"),
                    format!(
                        "introspection_mode = post\nintrospection_url = {url}\n\
                         username_attribute = username\nactive_attribute = active\nactive_value = true\n"
                    ),
                )
                .unwrap();
                format!(
                    "passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {}\n}}\n",
                    dir.join("oauth2.conf.ext").display()
                )
            }
            None => String::new(),
        };
        let d = dir.display();
        let conf = format!(
            "protocols = imap\nlisten = 127.0.0.1\nbase_dir = {d}/run\nstate_dir = {d}/state\n\
             log_path = {d}/dovecot.log\nssl = yes\nssl_cert = <{d}/cert.pem\nssl_key = <{d}/key.pem\n\
             disable_plaintext_auth = no\n\
             auth_mechanisms = plain login xoauth2 oauthbearer\nmail_location = maildir:{d}/mail/%u\n{oauth}\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN {d}/users\n}}\n\
             userdb {{\n  driver = static\n  args = uid=nobody gid=nogroup home={d}/mail/%u\n}}\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {port}\n  }}\n  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {tls_port}\n  }}\n}}\n\
             service anvil {{\n  chroot =\n}}\n"
        );
        std::fs::write(dir.join("dovecot.conf"), conf).unwrap();
        let child = Self::spawn(&dir, port).await;
        Self {
            child,
            port,
            tls_port,
            cert,
            dir,
        }
    }

    async fn spawn(dir: &std::path::Path, port: u16) -> Child {
        let child = Command::new("/usr/sbin/dovecot")
            .args(["-F", "-c"])
            .arg(dir.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dovecot is installed (scripts/setup.sh)");
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        child
    }

    /// Kills the server at once (connections drop mid-command).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts it again on the same port and mail.
    pub async fn restart(&mut self) {
        self.kill();
        self.child = Self::spawn(&self.dir, self.port).await;
    }

    async fn session(&self) -> async_imap::Session<TcpStream> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).await.unwrap();
        let mut client = Client::new(tcp);
        client.read_response().await.unwrap().unwrap();
        client
            .login("test", "secret")
            .await
            .map_err(|(e, _)| e)
            .unwrap()
    }

    /// Appends `raw` to `folder` (created if missing) with the given
    /// INTERNALDATE (what IMAP's SINCE reads), like "04-Jan-2027 10:00:00 +0000".
    pub async fn append(&self, folder: &str, raw: &str, internal: &str) {
        let mut s = self.session().await;
        let _ = s.create(folder).await;
        s.append(
            folder,
            None,
            Some(&format!("\"{internal}\"")),
            raw.replace('\n', "\r\n"),
        )
        .await
        .unwrap();
        s.logout().await.unwrap();
    }

    /// Deletes a folder (a new one of the same name has a new UIDVALIDITY).
    pub async fn delete(&self, folder: &str) {
        let mut s = self.session().await;
        s.delete(folder).await.unwrap();
        s.logout().await.unwrap();
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
