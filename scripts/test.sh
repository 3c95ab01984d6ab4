#!/usr/bin/env bash
# Every test: unit, database integration (a fresh database per test) and
# the browser tests in headless Chromium. Uses DATABASE_URL's server when
# given (a superuser URL), else a private cluster under target/test-pg.
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# Each step says when it began, so a slow CI run shows where its time went.
step() { echo "== $1 (at $((SECONDS / 60))m$((SECONDS % 60))s)"; }
"$ROOT/scripts/setup.sh" || exit 1
source "$ROOT/scripts/env.sh"

step "build (server and wasm front end)"
# shellcheck disable=SC2086
# --split: the frame's tools become a wasm chunk of their own, fetched when
# first used (app/src/components/tools.rs).
cargo leptos build --split $REDKEY_LEPTOS_FLAGS || exit 1
BIN="$ROOT/target/debug/redkey"

cleanup=()
on_exit() { for c in "${cleanup[@]}"; do eval "$c"; done; }
trap on_exit EXIT

if [ -z "${DATABASE_URL:-}" ]; then
  DATABASE_URL="$("$BIN" pg start --dir "$ROOT/target/test-pg")" || exit 1
  cleanup+=("\"$BIN\" pg stop --dir \"$ROOT/target/test-pg\"")
  echo "== private Postgres at $DATABASE_URL"
fi
export DATABASE_URL

step "browser tests"
e2e_db="redkey_e2e_$$"
base="${DATABASE_URL%/*}"
psql -q "$base/postgres" -c "CREATE DATABASE $e2e_db" || exit 1
cleanup+=("psql -q \"$base/postgres\" -c \"DROP DATABASE IF EXISTS $e2e_db WITH (FORCE)\" >/dev/null 2>&1")
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
export E2E_URL="$base/$e2e_db"
DATABASE_URL="$E2E_URL" "$BIN" seed-demo >/dev/null || exit 1
# A user of one client only, for the cross-client test.
echo "solo-harbor-password" | DATABASE_URL="$E2E_URL" "$BIN" create-user \
  --email solo@harbor.test --name "Solo Harbor" --client harbor >/dev/null 2>&1 || exit 1
REDKEY_SECRET_KEY="$("$BIN" secrets new-key)" DATABASE_URL="$E2E_URL" REDKEY_LISTEN="127.0.0.1:$port" \
  TWENTY_URL="http://twenty.invalid" "$BIN" serve >target/e2e-server.log 2>&1 &
server=$!
cleanup=("kill $server 2>/dev/null; wait $server 2>/dev/null" "${cleanup[@]}")
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.2
done
(cd end2end && BASE_URL="http://127.0.0.1:$port" node --test --test-concurrency=1 tests/)
e2e=$?
[ $e2e -ne 0 ] && tail -n 30 target/e2e-server.log
echo "browser tests: $([ $e2e -eq 0 ] && echo passed || echo FAILED)"

step "the agents' API under Schemathesis"
fuzz_db="redkey_fuzz_$$"
psql -q "$base/postgres" -c "CREATE DATABASE $fuzz_db" || exit 1
cleanup+=("psql -q \"$base/postgres\" -c \"DROP DATABASE IF EXISTS $fuzz_db WITH (FORCE)\" >/dev/null 2>&1")
export FUZZ_URL="$base/$fuzz_db"
DATABASE_URL="$FUZZ_URL" "$BIN" migrate >/dev/null || exit 1
DATABASE_URL="$FUZZ_URL" "$BIN" create-client --slug fuzz --name Fuzz >/dev/null || exit 1
token="$(DATABASE_URL="$FUZZ_URL" "$BIN" token create --client fuzz --agent fuzzer 2>/dev/null)" || exit 1
fuzz_port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
# The engine off (tasks stay queued) and the queued limit out of reach.
DATABASE_URL="$FUZZ_URL" REDKEY_LISTEN="127.0.0.1:$fuzz_port" REDKEY_ENGINE=off \
  REDKEY_API_QUEUED=1000000 "$BIN" serve >target/fuzz-server.log 2>&1 &
fuzz_server=$!
cleanup=("kill $fuzz_server 2>/dev/null; wait $fuzz_server 2>/dev/null" "${cleanup[@]}")
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$fuzz_port/readyz" >/dev/null && break
  sleep 0.2
done
"$HOME/.local/share/redkey/schemathesis/bin/schemathesis" run \
  "http://127.0.0.1:$fuzz_port/api/v1/openapi.json" \
  --checks all --seed 20261129 --max-examples 40 --workers 1 --no-color \
  --generation-database none --header "Authorization: Bearer $token" \
  --report junit --report-junit-path target/schemathesis.xml
fuzz=$?
[ $fuzz -ne 0 ] && tail -n 30 target/fuzz-server.log
echo "schemathesis: $([ $fuzz -eq 0 ] && echo passed || echo FAILED)"

step "unit and database tests"
# cargo-leptos builds debug servers with this flag; the same flag here lets
# the tests reuse that build instead of compiling every crate again.
RUSTFLAGS="--cfg erase_components" cargo nextest run --workspace --exclude frontend \
  --exclude redkey-data --no-fail-fast
unit=$?
# As on Supabase: the owner a hosted platform hands out (`postgres`:
# CREATEROLE, CREATEDB, BYPASSRLS, not a superuser; the harness creates it)
# and the serving pool behind PgBouncer in transaction mode (port 6543),
# started strict by the harness. The data layer's whole suite, the queue,
# the server processes, the cockpit's server functions, and the owner's
# onboarding, backup, restore, export and erasure.
step "as on a hosted platform: a non-superuser owner, a transaction-mode pooler"
REDKEY_TEST_OWNER=platform REDKEY_TEST_POOLER=transaction RUSTFLAGS="--cfg erase_components" \
  cargo nextest run -p redkey-data -p redkey --no-fail-fast \
  -E 'package(redkey-data) | test(/^(backup|export|forget|onboard|engine|engine_processes|sign_in|editing|board|settings|invitations|todos|trash|tables|coverage)::/)'
data=$?
# The data layer's contract suite again with every test client attached to
# a Twenty workspace of its own (the adapter's views over Twenty's tables).
# Left out: the adapter's own tests (they attach by themselves).
step "the data layer over Twenty workspaces"
# The same packages as the pass before (only the filter narrows): cargo
# unifies dependency features over the packages named, and naming
# redkey-data alone compiled 58 crates again.
REDKEY_TEST_TWENTY=1 RUSTFLAGS="--cfg erase_components" cargo nextest run -p redkey-data -p redkey \
  --no-fail-fast -E 'package(redkey-data) & not test(/^twenty::/)'
twenty=$?

# nextest's summary stays the last line; the exit code covers every suite.
[ $e2e -eq 0 ] && [ $fuzz -eq 0 ] && [ $unit -eq 0 ] && [ $data -eq 0 ] && [ $twenty -eq 0 ]
