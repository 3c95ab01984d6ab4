#!/usr/bin/env bash
# The release artefact: the optimised server and its site folder in one
# tarball, target/redkey-<version>-<arch>.tar.gz (deploy/ has the unit and
# the Caddyfile that go with it).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
"$ROOT/scripts/setup.sh"
source "$ROOT/scripts/env.sh"
# shellcheck disable=SC2086
cargo leptos build --release --split $REDKEY_LEPTOS_FLAGS
version="$(awk -F'"' '/^version = / {print $2; exit}' Cargo.toml)"
name="redkey-$version-$(uname -m)"
stage="target/release-artefact/$name"
rm -rf "$stage" && mkdir -p "$stage"
cp target/release/redkey "$stage/"
cp -r target/site "$stage/site"
cp deploy/redkey.service deploy/Caddyfile "$stage/"
tar -C target/release-artefact -czf "target/$name.tar.gz" "$name"
echo "target/$name.tar.gz"
