//! `redkey bench-http`: the cockpit's pages measured over HTTP on the
//! benchmark data set. Loads the data set (idempotent), starts this binary
//! as the server (start to ready), signs in, and drives each page with
//! `wrk` at 1, 8 and 64 connections; beside each page, the time of the
//! data-layer calls the page makes and of all the SQL its request runs
//! (the session's check and the frame's query too), timed directly, and
//! p50 as a multiple of the latter. Builds nothing.
//!
//! Each page's latency is measured twice at one connection: first on a
//! server that has not yet served it (cold p99), and again after the 8-
//! and 64-connection runs, as a server that has been up for a while
//! answers it (p50, p99, rps@1).

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use uuid::Uuid;

use super::{dataset, page_sql::Samples};
use crate::config::DatabaseUrl;

const DATABASE: &str = "redkey_bench_http";
const TWENTY_DATABASE: &str = "redkey_bench_twenty";

pub struct Options {
    pub port: u16,
    pub seconds: u32,
    pub load_only: bool,
    /// The client over a Twenty workspace (the adapter), in its own database.
    pub twenty: bool,
}

pub async fn run(server: &DatabaseUrl, opts: Options) -> anyhow::Result<()> {
    let database = if opts.twenty {
        TWENTY_DATABASE
    } else {
        DATABASE
    };
    let (owner, db) = super::open_database(server, database, 4).await?;
    if opts.twenty {
        dataset::attach_twenty(&owner).await?;
    }
    let client = dataset::load(&owner, &db, opts.twenty).await?;
    if opts.load_only {
        println!("data set loaded in {database}");
        return Ok(());
    }
    which_wrk()?;
    let user: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(dataset::EMAIL)
        .fetch_one(&owner)
        .await?;
    let ids = Samples::pick(&db, client, user).await?;

    let url = server.options();
    let db_url = format!(
        "postgres://{}@{}:{}/{database}",
        url.get_username(),
        url.get_host(),
        url.get_port()
    );
    let base = format!("http://127.0.0.1:{}", opts.port);
    let started = Instant::now();
    let mut child = Command::new(std::env::current_exe()?)
        .arg("serve")
        .env("DATABASE_URL", &db_url)
        .env("REDKEY_LISTEN", format!("127.0.0.1:{}", opts.port))
        .env("REDKEY_ENGINE", "false")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()?;
    let http = reqwest::Client::new();
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send().await {
            if r.status().is_success() {
                break;
            }
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            anyhow::bail!("the server did not become ready within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let ready = started.elapsed();
    let pid = child.id();
    let cookie = sign_in(&http, &base).await?;
    let idle = rss_kib(pid)?;

    println!(
        "start to ready {:.0} ms; RSS idle {} MiB",
        ms(ready),
        idle / 1024
    );
    // "data ms": the page's own reads; "sql ms": all its request runs (the
    // session's load and check and the frame's query besides).
    println!(
        "{:<24} {:>8} {:>7} {:>7} {:>9} {:>8} {:>8} {:>8} {:>7} {:>8} {:>7} {:>6}",
        "page",
        "size",
        "p50 ms",
        "p99 ms",
        "cold p99",
        "rps@1",
        "rps@8",
        "rps@64",
        "errors",
        "data ms",
        "sql ms",
        "p50÷sql"
    );
    let session = cookie.split_once('=').map(|(_, id)| id).unwrap_or_default();
    let pages = ids.pages();
    for (label, path) in &pages {
        let page = http
            .get(format!("{base}{path}"))
            .header("cookie", &cookie)
            .send()
            .await?;
        if !page.status().is_success() {
            anyhow::bail!("{path} answered {}", page.status());
        }
        let size = page.bytes().await?.len();
        let load = |conns| wrk(&format!("{base}{path}"), &cookie, conns, opts.seconds);
        let cold = load(1)?;
        let (eight, sixty_four) = (load(8)?, load(64)?);
        // The 64-connection run's last requests still render after wrk
        // hangs up (a request runs to its end): let them finish.
        tokio::time::sleep(Duration::from_secs(2)).await;
        let warm = load(1)?;
        let sql = ids.sql_ms(&db, client, user, label, Some(session)).await?;
        println!(
            "{:<24} {:>7}K {:>7.2} {:>7.2} {:>9.2} {:>8.0} {:>8.0} {:>8.0} {:>7} {:>8.2} {:>7.2} {:>6.1}",
            label,
            size / 1024,
            warm.p50_ms,
            warm.p99_ms,
            cold.p99_ms,
            warm.rps,
            eight.rps,
            sixty_four.rps,
            cold.errors + eight.errors + sixty_four.errors + warm.errors,
            sql.data_ms,
            sql.all_ms,
            warm.p50_ms / sql.all_ms
        );
    }
    // Arlo's name resolver serves no page but runs on every strategic
    // sentence: a typo of a contact's name, a company's, a common word.
    for name in ["surnam4242", "compny 451", "company", "deal 4242"] {
        let label = format!("resolve {name}");
        let sql = ids.sql_ms(&db, client, user, &label, None).await?;
        println!("{label:<24} {:>78.2}", sql.data_ms);
    }
    let after = rss_kib(pid)?;
    println!("RSS after the load {} MiB", after / 1024);
    let _ = child.kill();
    let _ = child.wait();
    Ok(())
}

pub(super) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn which_wrk() -> anyhow::Result<()> {
    match Command::new("wrk").arg("--version").output() {
        Ok(_) => Ok(()),
        Err(_) => anyhow::bail!("wrk is not installed (apt-get install -y wrk)"),
    }
}

async fn sign_in(http: &reqwest::Client, base: &str) -> anyhow::Result<String> {
    let r = http
        .post(format!("{base}/api/sign_in"))
        .header("origin", base)
        .form(&[("email", dataset::EMAIL), ("password", dataset::PASSWORD)])
        .send()
        .await?;
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("redkey_session="))
        .and_then(|v| v.split(';').next())
        .map(str::to_string);
    cookie.ok_or_else(|| anyhow::anyhow!("signing in gave no session ({})", r.status()))
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS for {pid}"))
}

struct Run {
    p50_ms: f64,
    p99_ms: f64,
    rps: f64,
    errors: u64,
}

fn wrk(url: &str, cookie: &str, conns: u32, seconds: u32) -> anyhow::Result<Run> {
    let out = Command::new("wrk")
        .args([
            "-t",
            &conns.min(2).to_string(),
            "-c",
            &conns.to_string(),
            "-d",
            &format!("{seconds}s"),
            "--latency",
            "-H",
            &format!("Cookie: {cookie}"),
            url,
        ])
        .output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let latency = |pct: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(pct))
            .map(|v| duration_ms(v.trim()))
            .unwrap_or(f64::NAN)
    };
    let number_after = |label: &str| -> f64 {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(label))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0.0)
    };
    // "Non-2xx or 3xx responses: N" and "Socket errors: connect A, read B, write C, timeout D".
    let mut errors = number_after("Non-2xx or 3xx responses:") as u64;
    if let Some(line) = text
        .lines()
        .find(|l| l.trim().starts_with("Socket errors:"))
    {
        errors += line
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|n| n.parse::<u64>().ok())
            .sum::<u64>();
    }
    Ok(Run {
        p50_ms: latency("50%"),
        p99_ms: latency("99%"),
        rps: number_after("Requests/sec:"),
        errors,
    })
}

/// "1.23ms", "456.00us", "1.02s" in milliseconds.
fn duration_ms(v: &str) -> f64 {
    let (n, unit) = v.split_at(v.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(v.len()));
    let n: f64 = n.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "ms" => n,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => f64::NAN,
    }
}
