//! moto's S3 (PyPI `moto[server]`, installed by scripts/setup.sh) on a free
//! 127.0.0.1 port with signature checking on: the first three calls make
//! an IAM user allowed everything and its access key; every later request
//! must be signed with that key. A bucket `redkey-files` is made for the
//! tests. Requests of our own are signed by curl (`--aws-sigv4`).

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
    time::Duration,
};

pub struct Moto {
    child: Child,
    pub endpoint: String,
    pub key_id: String,
    pub secret: String,
}

pub const BUCKET: &str = "redkey-files";
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

fn moto_server() -> std::path::PathBuf {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    std::path::PathBuf::from(home).join(".local/share/redkey/moto/bin/moto_server")
}

/// curl signing for `service` with `user` (`KEY:SECRET`); the body's text.
fn curl(service: &str, user: &str, args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-s", "--aws-sigv4", &format!("aws:amz:us-east-1:{service}")])
        .args(["--user", user])
        .args(args)
        .output()
        .expect("curl runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn between<'a>(text: &'a str, tag: &str) -> &'a str {
    let open = format!("<{tag}>");
    let start = text.find(&open).map(|i| i + open.len()).unwrap_or(0);
    let end = text[start..].find('<').map(|i| start + i).unwrap_or(start);
    &text[start..end]
}

impl Moto {
    pub async fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(moto_server())
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("INITIAL_NO_AUTH_ACTION_COUNT", "3")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto is installed (scripts/setup.sh)");
        let endpoint = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if http
                .get(format!("{endpoint}/moto-api/"))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let iam = |body: &str| {
            curl(
                "iam",
                "AKIDSETUP:setup",
                &["-X", "POST", &format!("{endpoint}/"), "--data", body],
            )
        };
        iam("Action=CreateUser&UserName=redkey&Version=2010-05-08");
        let policy = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%2C%22Resource%22%3A%22*%22%7D%5D%7D";
        iam(&format!(
            "Action=PutUserPolicy&UserName=redkey&PolicyName=all&PolicyDocument={policy}&Version=2010-05-08"
        ));
        let key = iam("Action=CreateAccessKey&UserName=redkey&Version=2010-05-08");
        let (key_id, secret) = (
            between(&key, "AccessKeyId").to_string(),
            between(&key, "SecretAccessKey").to_string(),
        );
        assert!(
            !key_id.is_empty() && !secret.is_empty(),
            "moto gave a key: {key}"
        );
        let moto = Self {
            child,
            endpoint,
            key_id,
            secret,
        };
        moto.s3(&["-X", "PUT", &format!("{}/{BUCKET}", moto.endpoint)]);
        moto
    }

    /// A signed S3 request without a body, with the test key; the body
    /// of the answer.
    fn s3(&self, args: &[&str]) -> String {
        let header = format!("x-amz-content-sha256: {EMPTY_SHA256}");
        let mut all = vec!["-H", header.as_str()];
        all.extend_from_slice(args);
        curl("s3", &format!("{}:{}", self.key_id, self.secret), &all)
    }

    /// The object stored under `key` in the test bucket, if any.
    pub fn object(&self, key: &str) -> Option<Vec<u8>> {
        let out = Command::new("curl")
            .args(["-s", "-f", "--aws-sigv4", "aws:amz:us-east-1:s3"])
            .args(["--user", &format!("{}:{}", self.key_id, self.secret)])
            .args(["-H", "x-amz-content-sha256: UNSIGNED-PAYLOAD"])
            .arg(format!("{}/{BUCKET}/{key}", self.endpoint))
            .output()
            .expect("curl runs");
        out.status.success().then_some(out.stdout)
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
