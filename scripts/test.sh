#!/usr/bin/env bash
# Runs every test: native engine/CLI/plot tests, the release wasm build, and the browser
# specs in headless Chromium (WebGPU through SwiftShader, and the CPU fallback).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

say "native tests (engine, CLI, plots, architecture rules)"
cargo test --locked

say "engine alone, without the web and CLI features"
cargo test --locked --no-default-features --lib

say "release wasm build (trunk)"
trunk build --release

say "browser specs (headless Chromium)"
(cd www/e2e && node --test --test-concurrency=1 specs/*.spec.mjs)
