#!/usr/bin/env bash
# Brings a Debian machine to a working build: system packages, the wasm
# toolchain (rustup's target, or Debian's rustc-web where rustup cannot
# download), cargo-leptos, wasm-bindgen-cli, and the browser-test packages.
# Idempotent: each step checks first, so a second run takes seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CARGO_LEPTOS_VERSION=0.3.11
SCHEMATHESIS_VERSION=4.32.5
SCHEMATHESIS="$HOME/.local/share/redkey/schemathesis/bin/schemathesis"
MOTO_VERSION=5.2.5
MOTO="$HOME/.local/share/redkey/moto/bin/moto_server"
WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)"

step() { printf '\033[1m[setup %s]\033[0m %s\n' "$1" "$2"; }
have() { command -v "$1" >/dev/null 2>&1; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# 1. System packages.
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
have chromium || need+=(chromium)
have node || need+=(nodejs npm)
# Real servers the ingestion tests talk to.
[ -x /usr/sbin/dovecot ] || need+=(dovecot-imapd)
[ -x /usr/bin/radicale ] || need+=(radicale)
# The TLS reverse proxy of a deployment, and of its test.
[ -x /usr/bin/caddy ] || need+=(caddy)
# The transaction-mode pooler the hosted-platform tests run behind.
[ -x /usr/sbin/pgbouncer ] || need+=(pgbouncer)
# rustup's own download server is out of reach on some machines: try it
# once (bounded), and remember the Debian fallback once it is chosen.
if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  wasm_target=yes
elif rustup toolchain list 2>/dev/null | grep -q '^debweb'; then
  wasm_target=no
elif timeout 30 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 </dev/null; then
  wasm_target=yes
else
  wasm_target=no
fi
if [ "$wasm_target" = no ]; then
  [ -x /usr/bin/rustc ] && /usr/bin/rustc --version | grep -q '1\.9[6-9]\|1\.[1-9][0-9][0-9]' || need+=(rustc-web cargo-web)
  [ -d /usr/lib/rustlib/src/rust/library ] || need+=(rust-web-src)
  have wasm-ld || need+=(lld)
fi
if [ ${#need[@]} -gt 0 ]; then
  step 1/7 "installing ${need[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${need[@]}" >/dev/null
else
  step 1/7 "system packages present"
fi

# 2. Toolchain: Debian's rustc-web linked into rustup when the target is missing.
if [ "$wasm_target" = no ]; then
  rustup toolchain list | grep -q '^debweb' || rustup toolchain link debweb /usr
  step 2/7 "wasm32 via Debian rustc-web ($(/usr/bin/rustc --version))"
else
  step 2/7 "wasm32 target from rustup"
fi
# shellcheck source=env.sh
source "$ROOT/scripts/env.sh"

# 3. cargo-leptos, built without its binary downloads. Its locked
# dependencies need rustc 1.96 or newer: use the first toolchain that has
# it (the default, a nightly, Debian's rustc-web), installing the last if
# none does.
rustc_ok() { rustup run "$1" rustc --version 2>/dev/null | awk '{split($2, v, "."); ok = v[1] > 1 || v[2] >= 96} END {exit !ok}'; }
if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  step 3/7 "cargo-leptos $CARGO_LEPTOS_VERSION present"
else
  tool=""
  for t in "${RUSTUP_TOOLCHAIN:-stable}" stable nightly debweb; do
    if rustc_ok "$t"; then tool=$t; break; fi
  done
  if [ -z "$tool" ]; then
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq rustc-web cargo-web >/dev/null
    rustup toolchain list | grep -q '^debweb' || rustup toolchain link debweb /usr
    tool=debweb
  fi
  step 3/7 "building cargo-leptos $CARGO_LEPTOS_VERSION with $tool (about 10 minutes, once)"
  RUSTUP_TOOLCHAIN=$tool cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads
fi

# 4. wasm-bindgen-cli matching the crate exactly.
if wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  step 4/7 "wasm-bindgen-cli $WASM_BINDGEN_VERSION present"
else
  step 4/7 "building wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 minutes, once)"
  # Not --locked: its lock file names a webpki-roots release the registry lacks.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

# 5. Browser-test driver (the browser itself is Debian's chromium).
if [ -d end2end/node_modules/playwright-core ] && [ -x end2end/node_modules/.bin/wasm-opt ]; then
  step 5/7 "playwright-core and binaryen present"
else
  step 5/7 "installing playwright-core and binaryen (wasm-opt for release builds)"
  (cd end2end && npm ci --no-audit --no-fund --loglevel=error)
fi

# 6. Schemathesis (PyPI), the independent fuzzer of the agents' API, in a
# virtualenv of its own outside the work tree.
if "$SCHEMATHESIS" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  step 6/7 "schemathesis $SCHEMATHESIS_VERSION present"
else
  step 6/7 "installing schemathesis $SCHEMATHESIS_VERSION"
  have python3 || { as_root apt-get update -qq; DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3 python3-venv >/dev/null; }
  python3 -m venv "$(dirname "$(dirname "$SCHEMATHESIS")")" 2>/dev/null || {
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$(dirname "$(dirname "$SCHEMATHESIS")")"
  }
  "$(dirname "$SCHEMATHESIS")/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

# 7. moto (PyPI): an S3-compatible server for the file-store tests (Debian
# has none; see the reference recipes), in its own virtualenv.
if [ -x "$MOTO" ] && "$(dirname "$MOTO")/pip" show moto 2>/dev/null | grep -q "^Version: $MOTO_VERSION$"; then
  step 7/7 "moto $MOTO_VERSION present"
else
  step 7/7 "installing moto $MOTO_VERSION"
  python3 -m venv "$(dirname "$(dirname "$MOTO")")"
  "$(dirname "$MOTO")/pip" install -q "moto[server]==$MOTO_VERSION"
fi
