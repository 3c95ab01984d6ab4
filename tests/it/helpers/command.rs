//! The built `redkey` binary run as an owner would from a shell.

use std::process::Command;

/// What a run printed and whether it succeeded.
pub struct Ran {
    pub ok: bool,
    pub out: String,
    /// Trimmed: the one `error: …` line of a failure.
    pub err: String,
}

/// Runs `redkey ARGS` with only PATH and `env` set (and quiet logs).
pub fn redkey(env: &[(&str, &str)], args: &[&str]) -> Ran {
    let out = Command::new(env!("CARGO_BIN_EXE_redkey"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "error")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    Ran {
        ok: out.status.success(),
        out: String::from_utf8_lossy(&out.stdout).to_string(),
        err: String::from_utf8_lossy(&out.stderr).trim().to_string(),
    }
}
