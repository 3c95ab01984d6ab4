//! A private PostgreSQL cluster under a project directory, for the run
//! command and the test command when no `DATABASE_URL` is given.
//!
//! Postgres refuses to run as root, and these machines run everything as
//! root, so as root the binaries run as the `postgres` system user.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{anyhow, bail, Context};

#[derive(Debug)]
pub struct Cluster {
    data: PathBuf,
    bin: PathBuf,
    pub port: u16,
}

impl Cluster {
    /// Starts the cluster in `dir` (creating it on first use), or attaches
    /// to it when it is already running.
    pub fn start(dir: &Path) -> anyhow::Result<Self> {
        let bin = find_bin_dir()?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let dir = dir.canonicalize()?;
        let data = dir.join("data");
        let as_root = is_root();
        if as_root {
            chown_postgres(&dir)?;
        }
        if !data.join("PG_VERSION").exists() {
            run(
                as_root,
                &bin.join("initdb"),
                &[
                    "-D",
                    path_str(&data)?,
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-instructions",
                ],
            )
            .context("initdb failed")?;
        }
        if let Some(port) = running_port(&data) {
            return Ok(Self { data, bin, port });
        }
        let port = free_port()?;
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c full_page_writes=off",
            path_str(&dir)?
        );
        let log = dir.join("postgres.log");
        run(
            as_root,
            &bin.join("pg_ctl"),
            &[
                "-D",
                path_str(&data)?,
                "-o",
                &opts,
                "-l",
                path_str(&log)?,
                "-w",
                "-t",
                "60",
                "start",
            ],
        )
        .with_context(|| format!("postgres did not start; see {}", log.display()))?;
        Ok(Self { data, bin, port })
    }

    /// The superuser URL for database `db`.
    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }

    pub fn stop(&self) -> anyhow::Result<()> {
        run(
            is_root(),
            &self.bin.join("pg_ctl"),
            &["-D", path_str(&self.data)?, "-m", "fast", "-w", "stop"],
        )
    }

    /// Stops a cluster in `dir` if one runs there.
    pub fn stop_dir(dir: &Path) -> anyhow::Result<()> {
        let data = dir.join("data");
        if running_port(&data).is_none() {
            return Ok(());
        }
        Self {
            data,
            bin: find_bin_dir()?,
            port: 0,
        }
        .stop()
    }
}

fn path_str(p: &Path) -> anyhow::Result<&str> {
    p.to_str()
        .ok_or_else(|| anyhow!("path {} is not UTF-8", p.display()))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false)
}

fn chown_postgres(dir: &Path) -> anyhow::Result<()> {
    let status = Command::new("chown")
        .args(["-R", "postgres:postgres"])
        .arg(dir)
        .status()?;
    if !status.success() {
        bail!(
            "cannot hand {} to the postgres user (is there one?)",
            dir.display()
        );
    }
    Ok(())
}

fn run(as_root: bool, program: &Path, args: &[&str]) -> anyhow::Result<()> {
    let mut cmd = if as_root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    let out = cmd
        .args(args)
        .output()
        .with_context(|| format!("cannot run {}", program.display()))?;
    if !out.status.success() {
        bail!(
            "{} failed: {}",
            program.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// The port of a postmaster running on `data`, read from postmaster.pid.
fn running_port(data: &Path) -> Option<u16> {
    let pid_file = std::fs::read_to_string(data.join("postmaster.pid")).ok()?;
    let mut lines = pid_file.lines();
    let pid: u32 = lines.next()?.trim().parse().ok()?;
    if !Path::new(&format!("/proc/{pid}")).exists() {
        return None;
    }
    lines.nth(2)?.trim().parse().ok()
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// `pg_config --bindir`, else the newest `/usr/lib/postgresql/*/bin`.
fn find_bin_dir() -> anyhow::Result<PathBuf> {
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return Ok(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b).ok_or_else(|| {
        anyhow!("no PostgreSQL server binaries found (install the postgresql package)")
    })
}
