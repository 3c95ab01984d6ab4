# Shared environment for the build, run and test scripts (sourced).
#
# Where rustup's wasm32 target is missing and cannot be downloaded, build
# with Debian's rustc-web toolchain (linked into rustup as "debweb") and
# build std for wasm from source. -Zbuild-std goes to the wasm build only
# (as a cargo-leptos lib argument): given to a host build it would rebuild
# std for the host, without the test crate. Every cargo call sees the same
# environment, so the server crates compile once for all of them.

REDKEY_LEPTOS_FLAGS=""
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$ROOT/scripts/bin:$HOME/.cargo/bin:$PATH"

if [ -z "${RUSTUP_TOOLCHAIN:-}" ]; then
  if rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    :
  elif rustup toolchain list 2>/dev/null | grep -q '^debweb'; then
    export RUSTUP_TOOLCHAIN=debweb
    export RUSTC_BOOTSTRAP=1
    REDKEY_LEPTOS_FLAGS="--lib-cargo-args=-Zbuild-std=std,panic_abort"
    export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld
  fi
fi

# cargo-leptos sets this when it builds the server, and leptos reads it at
# compile time; set it for every other cargo call too, so tests reuse that
# build instead of recompiling leptos and everything above it.
export LEPTOS_OUTPUT_NAME=redkey
