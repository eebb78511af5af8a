#!/usr/bin/env bash
# Builds the explorer (release wasm) and serves it on localhost; prints the URL.
#
# Where the WebGPU engine module is not built yet or is older than the sources (a fresh
# clone: about 11 of a cold serve's 30 minutes on two cores, bench/RESULTS.md), the page is
# served as soon as the page's and the CPU-only engine's modules are built: a browser with
# a WebGPU adapter then trains on the CPU and the badge says why (www/worker.js). The WebGPU
# module builds after, and the whole page is served once it is built; the command says when
# to reload. Otherwise trunk builds and serves the whole page at once.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/build-env.sh
port="${PORT:-8080}"
# ADDRESS=0.0.0.0 serves on the network too (students' phones open the page by this
# computer's network address); by default only this computer reaches it.
address="${ADDRESS:-127.0.0.1}"
webgpu_module="$CARGO_TARGET_DIR/wasm32-unknown-unknown/release/modalscope-worker.wasm"
# Whether the WebGPU module must be built: missing, or older than a file it was built from
# (cargo's list of them beside it, so that a change to the page's own code does not count)
# or than Cargo.lock.
webgpu_module_stale() {
  local deps="${webgpu_module%.wasm}.d" file
  [ -e "$webgpu_module" ] && [ -e "$deps" ] || return 0
  [ Cargo.lock -nt "$webgpu_module" ] && return 0
  for file in $(cut -d: -f2- "$deps"); do
    [ "$file" -nt "$webgpu_module" ] && return 0
  done
  return 1
}
later=""
# MODALSCOPE_SERVE_IN_TWO_STEPS=1 takes that path anyway (the serve spec does).
if [ "${MODALSCOPE_SERVE_IN_TWO_STEPS:-0}" = 1 ] || webgpu_module_stale; then
  later=modalscope-worker
fi
MODALSCOPE_NO_BROWSER=1 MODALSCOPE_WASM_LATER="$later" source scripts/setup.sh

# The build environment of the test command (scripts/build-env.sh: clippy lints the crate
# as it compiles), so that a test run leaves this build warm and the other way round.
serve=(env "${wasm_build_env[@]}" trunk serve --release --address "$address" --port "$port")
url="http://$([ "$address" = 0.0.0.0 ] && echo 127.0.0.1 || echo "$address"):$port/"
if [ -z "$later" ]; then
  say "building and serving; open $url once trunk says it is serving"
  exec "${serve[@]}"
fi

# First the page without the WebGPU engine's link: index.html less that line, beside it (its
# links are relative to it), removed when this script ends.
first=".serve-first.html"
grep -v 'data-bin="modalscope-worker"' index.html >"$first"
"${serve[@]}" "$first" &
first_serve=$!
trap 'kill "$first_serve" 2>/dev/null || true; rm -f "$first"' EXIT
until curl -sf -o /dev/null "$url"; do
  kill -0 "$first_serve" 2>/dev/null || { wait "$first_serve"; exit 1; }
  sleep 1
done
say "serving $url: open it now; it trains on the CPU engine until the WebGPU engine module is built (about 11 minutes on two cores when nothing of it is built yet), and this command says when to reload"
# MODALSCOPE_SERVE_HOLD=FILE (the serve spec): that build waits while FILE exists, so that
# what the first step serves can be looked at.
while [ -n "${MODALSCOPE_SERVE_HOLD:-}" ] && [ -e "$MODALSCOPE_SERVE_HOLD" ]; do sleep 1; done
webgpu_log="$CARGO_TARGET_DIR/webgpu-module-build.log"
link=$(grep -o '<link data-trunk rel="rust"[^>]*data-bin="modalscope-worker"[^>]*>' index.html)
if ! build_wasm_module "$link" >"$webgpu_log" 2>&1; then
  cat "$webgpu_log"
  say "the WebGPU engine module's build failed (its output is above; log: $webgpu_log); $url goes on serving the page on the CPU engine"
  wait "$first_serve"
  exit 1
fi
# Built now, or found current by cargo (which then leaves the file as it was): either way
# current, so that the next serve takes the one-step path.
touch "$webgpu_module"
kill "$first_serve"
wait "$first_serve" 2>/dev/null || true
rm -f "$first"
trap - EXIT
say "the WebGPU engine module is built: serving the whole page at $url in a few seconds; reload it there"
exec "${serve[@]}"
