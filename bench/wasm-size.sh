#!/usr/bin/env bash
# What makes up the engine module: builds it with the release settings but its function
# names kept (a separate `wasm-names` profile, so the release build stays as it is; a cold
# build takes about as long as a cold release build), then `bench/wasm-size.mjs` groups its
# bytes by crate. Arguments go to wasm-size.mjs (e.g. --functions 20).
#
#   bench/wasm-size.sh [--functions N]
set -euo pipefail
cd "$(dirname "$0")/.."
: "${CARGO_TARGET_DIR:=$HOME/.cache/modalscope-target}"
export CARGO_TARGET_DIR
cargo build --locked --quiet --target wasm32-unknown-unknown --no-default-features --features worker,webgpu \
  --bin modalscope-worker --profile wasm-names \
  --config 'profile.wasm-names.inherits="release"' --config 'profile.wasm-names.strip=false'
module="$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-names/modalscope-worker.wasm"
echo "\`bench/wasm-size.sh $*\` — $(date -u +%F)"
echo
node bench/wasm-size.mjs "$module" "$@"
