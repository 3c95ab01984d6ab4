#!/usr/bin/env bash
# Runs the cockpit on http://127.0.0.1:3000 (REDKEY_LISTEN to change).
# Without DATABASE_URL it starts a private Postgres under .redkey/pg, and
# loads the demo data on first start. Ctrl-C stops both.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
source "$ROOT/scripts/env.sh"
echo "building the release (the first build takes a while)..."
# shellcheck disable=SC2086
# --split: the frame's tools become a wasm chunk of their own, fetched when
# first used (app/src/components/tools.rs).
cargo leptos build --release --split $REDKEY_LEPTOS_FLAGS
# Gzipped copies beside the assets: the server sends them to browsers that
# accept gzip (the wasm shrinks about fivefold). cargo-leptos's own
# --precompress would serialise the front-end and server builds.
find "$ROOT/target/site" -type f \( -name '*.wasm' -o -name '*.js' -o -name '*.css' \) \
  -exec gzip -9kf {} +
exec "$ROOT/target/release/redkey" serve --demo
