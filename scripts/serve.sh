#!/usr/bin/env bash
# Builds the explorer (release wasm) and serves it on localhost; prints the URL.
set -euo pipefail
cd "$(dirname "$0")/.."
MODALSCOPE_NO_BROWSER=1 source scripts/setup.sh
port="${PORT:-8080}"
say "building and serving; open http://127.0.0.1:$port/ once trunk says it is serving"
# The build environment of the test command (scripts/build-env.sh: clippy lints the crate
# as it compiles), so that a test run leaves this build warm and the other way round.
exec env "${wasm_build_env[@]}" trunk serve --release --address 127.0.0.1 --port "$port"
