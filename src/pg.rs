//! A private PostgreSQL cluster under a project directory, for the run
//! command and the test command when no `DATABASE_URL` is given.
//!
//! The run command's cluster keeps data: password authentication (a
//! generated password in `<dir>/password`, mode 0600) and fsync on. The
//! test command's is throwaway: trust on loopback, fsync off.
//!
//! Postgres refuses to run as root, and these machines run everything as
//! root, so as root the binaries run as the `postgres` system user.

use std::{
    net::TcpListener,
    path::{Path, PathBuf},
    process::Command,
};

use anyhow::{anyhow, bail, Context};

/// What the cluster is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Data that matters: password authentication, fsync on.
    Kept,
    /// A test run's: trust on loopback, fsync off.
    Throwaway,
}

#[derive(Debug)]
pub struct Cluster {
    data: PathBuf,
    bin: PathBuf,
    pub port: u16,
    /// The superuser's password (a kept cluster's), also the serving
    /// login's.
    password: Option<String>,
}

impl Cluster {
    /// Starts the cluster in `dir` (creating it on first use), or attaches
    /// to it when it is already running.
    pub fn start(dir: &Path, kind: Kind) -> anyhow::Result<Self> {
        let bin = find_bin_dir()?;
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let dir = dir.canonicalize()?;
        let data = dir.join("data");
        let as_root = is_root();
        let password = match kind {
            Kind::Kept => Some(password_in(&dir)?),
            Kind::Throwaway => None,
        };
        if as_root {
            chown_postgres(&dir)?;
        }
        let fresh = !data.join("PG_VERSION").exists();
        if fresh {
            init(as_root, &bin, &dir, &data, password.as_deref())?;
        }
        if let Some(port) = running_port(&data) {
            return Ok(Self {
                data,
                bin,
                port,
                password,
            });
        }
        let port = free_port()?;
        let durability = match kind {
            Kind::Kept => "",
            Kind::Throwaway => " -c fsync=off -c full_page_writes=off",
        };
        let opts = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200{durability}",
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
        if let (Some(pw), false) = (&password, fresh) {
            require_password(as_root, &bin, &dir, &data, port, pw)?;
        }
        Ok(Self {
            data,
            bin,
            port,
            password,
        })
    }

    /// The superuser URL for database `db`.
    pub fn url(&self, db: &str) -> String {
        match &self.password {
            Some(pw) => format!("postgres://postgres:{pw}@127.0.0.1:{}/{db}", self.port),
            None => format!("postgres://postgres@127.0.0.1:{}/{db}", self.port),
        }
    }

    /// The password the serving login should have (a kept cluster's).
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
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
            password: None,
        }
        .stop()
    }
}

/// A kept cluster made before passwords (trust): give the superuser the
/// password and switch its authentication to scram-sha-256. Idempotent.
fn require_password(
    as_root: bool,
    bin: &Path,
    dir: &Path,
    data: &Path,
    port: u16,
    password: &str,
) -> anyhow::Result<()> {
    let hba = data.join("pg_hba.conf");
    let text = std::fs::read_to_string(&hba)?;
    if !text
        .lines()
        .any(|l| !l.starts_with('#') && l.contains("trust"))
    {
        return Ok(());
    }
    let sql = format!("ALTER ROLE postgres PASSWORD '{password}'");
    let port = port.to_string();
    run(
        as_root,
        &bin.join("psql"),
        &[
            "-h",
            path_str(dir)?,
            "-p",
            &port,
            "-U",
            "postgres",
            "-qc",
            &sql,
        ],
    )?;
    let hardened: String = text
        .lines()
        .map(|l| {
            if l.starts_with('#') {
                l.to_string()
            } else {
                l.replace("trust", "scram-sha-256")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&hba, hardened + "\n")?;
    run(
        as_root,
        &bin.join("pg_ctl"),
        &["-D", path_str(data)?, "reload"],
    )
}

/// The cluster's password: read from `<dir>/password`, or generated and
/// written there (0600) for a new cluster.
fn password_in(dir: &Path) -> anyhow::Result<String> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let file = dir.join("password");
    if let Ok(pw) = std::fs::read_to_string(&file) {
        return Ok(pw.trim().to_string());
    }
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness: {e}"))?;
    let pw = hex::encode(bytes);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&file)
        .with_context(|| format!("cannot write {}", file.display()))?;
    writeln!(f, "{pw}")?;
    Ok(pw)
}

/// `initdb`: trust for a throwaway cluster; scram-sha-256 with the
/// password for a kept one (handed over in a file only postgres can read,
/// removed right after).
fn init(
    as_root: bool,
    bin: &Path,
    dir: &Path,
    data: &Path,
    password: Option<&str>,
) -> anyhow::Result<()> {
    let mut args = vec![
        "-D".to_string(),
        path_str(data)?.to_string(),
        "-U".into(),
        "postgres".into(),
        "-E".into(),
        "UTF8".into(),
        "--no-instructions".into(),
    ];
    let pwfile = dir.join("initdb-password");
    match password {
        Some(pw) => {
            std::fs::write(&pwfile, pw)?;
            restrict(&pwfile, as_root)?;
            args.extend(["-A".into(), "scram-sha-256".into()]);
            args.push(format!("--pwfile={}", path_str(&pwfile)?));
        }
        None => args.extend(["-A".into(), "trust".into()]),
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let done = run(as_root, &bin.join("initdb"), &args).context("initdb failed");
    let _ = std::fs::remove_file(&pwfile);
    done
}

/// Mode 0600, owned by postgres when we are root (it reads the file).
fn restrict(file: &Path, as_root: bool) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o600))?;
    if as_root {
        chown_postgres(file)?;
    }
    Ok(())
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
pub fn find_bin_dir() -> anyhow::Result<PathBuf> {
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
