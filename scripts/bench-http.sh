#!/usr/bin/env bash
# Measures the cockpit's pages over HTTP (see BENCHMARKS.md). Builds
# nothing: run scripts/run.sh (or `cargo leptos build --release`) first.
# Installs wrk from Debian when it is missing. Extra arguments go to
# `redkey bench-http` (--seconds N, --port P, --load-only).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$ROOT/target/release/redkey"
[ -x "$bin" ] || { echo "no release build at $bin: run scripts/run.sh first" >&2; exit 1; }
if ! command -v wrk >/dev/null; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq wrk >/dev/null
fi
export DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
# Loading runs statements of seconds on purpose: no slow-statement warnings.
export RUST_LOG="${RUST_LOG:-info,sqlx::query=error}"
export REDKEY_SITE_ROOT="${REDKEY_SITE_ROOT:-$ROOT/target/site}"
exec "$bin" bench-http "$@"
