#!/usr/bin/env bash
# Runs every test: native engine/CLI/plot tests, the engine without the web and CLI
# features, a check that the page's main-thread module has no burn, clippy (native and for
# the browser modules on wasm32), the release wasm build (the page and two engine modules), and the
# browser specs in headless Chromium (WebGPU through SwiftShader, and the CPU fallback).
# Clippy lints the crate while these builds compile it (scripts/build-env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

say "native tests (engine, CLI, plots, architecture rules), linted by clippy as they compile"
# The benchmark is only compiled (and linted), as `cargo clippy --all-targets` did.
env "${native_build_env[@]}" cargo test --locked --benches --no-run
env "${native_build_env[@]}" cargo test --locked

say "engine alone, without the web and CLI features (must reuse the burn build above)"
log=$(mktemp)
cargo test --locked --no-default-features --features engine --lib 2>&1 | tee "$log"
if grep -q "Compiling burn" "$log"; then
  echo "the no-feature build recompiled burn: a feature of the cli/web deps reaches burn (see issue 7)" >&2
  exit 1
fi
rm -f "$log"

say "the page's main-thread module has no burn (the engine loads in its worker)"
tree=$(cargo tree --locked --target wasm32-unknown-unknown --no-default-features --features web -i burn 2>&1 || true)
if ! grep -q "did not match any packages" <<<"$tree"; then
  echo "the main-thread module (feature web) depends on burn:" >&2
  echo "$tree" >&2
  exit 1
fi
cargo tree --locked --target wasm32-unknown-unknown --no-default-features --features worker -i burn --depth 0 | grep -q "^burn"
say "the CPU-only engine module has no WebGPU backend (browsers without an adapter load it)"
tree=$(cargo tree --locked --target wasm32-unknown-unknown --no-default-features --features worker -i cubecl-wgpu --depth 0 2>&1 || true)
if grep -q "^cubecl-wgpu" <<<"$tree"; then
  echo "the CPU-only engine module (feature worker) depends on cubecl-wgpu:" >&2
  echo "$tree" >&2
  exit 1
fi
cargo tree --locked --target wasm32-unknown-unknown --no-default-features --features worker,webgpu -i cubecl-wgpu --depth 0 | grep -q "^cubecl-wgpu"

say "release wasm build (trunk): the page (web), the engine (worker,webgpu) and the CPU-only engine (worker), linted by clippy as they compile with .clippy/wasm (bans std::time::Instant::now and std::thread::spawn)"
env "${wasm_build_env[@]}" trunk build --release

say "browser specs (headless Chromium)"
# The cross-backend spec compares the page with the CLI's debug binary that cargo test built.
export MODALSCOPE_CLI="$CARGO_TARGET_DIR/debug/modalscope"
(cd www/e2e && node --test --test-concurrency=1 specs/*.spec.mjs)
