//! Debian's Radicale on a free 127.0.0.1 port, in a throwaway directory,
//! with one user (`test`/`secret`) and a calendar at `/test/work/`.

use std::{
    net::TcpListener,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct Radicale {
    child: Child,
    pub base: String,
    dir: PathBuf,
    http: reqwest::Client,
}

impl Radicale {
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir =
            std::env::temp_dir().join(format!("redkey-radicale-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("users"), "test:secret\n").unwrap();
        let d = dir.display();
        std::fs::write(
            dir.join("config"),
            format!(
                "[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = htpasswd\n\
                 htpasswd_filename = {d}/users\nhtpasswd_encryption = plain\n\
                 [rights]\ntype = owner_only\n[storage]\nfilesystem_folder = {d}/collections\n"
            ),
        )
        .unwrap();
        let child = Command::new("/usr/bin/radicale")
            .arg("--config")
            .arg(dir.join("config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("radicale is installed (scripts/setup.sh)");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        for _ in 0..200 {
            if http.get(&base).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let r = Self {
            child,
            base,
            dir,
            http,
        };
        let made = r
            .http
            .request(
                reqwest::Method::from_bytes(b"MKCALENDAR").unwrap(),
                r.calendar(),
            )
            .basic_auth("test", Some("secret"))
            .send()
            .await
            .unwrap();
        assert_eq!(made.status().as_u16(), 201);
        r
    }

    pub fn calendar(&self) -> String {
        format!("{}/test/work/", self.base)
    }

    pub async fn put(&self, name: &str, ics: &str) {
        let r = self
            .http
            .put(format!("{}{name}", self.calendar()))
            .basic_auth("test", Some("secret"))
            .header("content-type", "text/calendar")
            .body(ics.replace('\n', "\r\n"))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }

    pub async fn delete(&self, name: &str) {
        let r = self
            .http
            .delete(format!("{}{name}", self.calendar()))
            .basic_auth("test", Some("secret"))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{}", r.status());
    }
}

impl Drop for Radicale {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
