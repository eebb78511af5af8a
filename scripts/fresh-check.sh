#!/usr/bin/env bash
# Proves that the README's test command works on a fresh machine (not part of it: 37 to 54
# minutes on two cores on 2026-12-07, by how fast the shared machine ran that hour; the
# README's set-up table). Clones HEAD into a temporary folder and runs scripts/test.sh there
# with an empty CARGO_HOME (no registry, no installed tools), an empty CARGO_TARGET_DIR, an
# empty npm cache and a PATH of rustup's proxies plus the system folders, so that every
# install step really runs. What it keeps from this machine is printed first: rustup's
# toolchain (with its targets), node/npm, and Debian's chromium if apt already installed it.
# The machine's speed varies through a day (the same test binary took 11.7 s and 6.6 s two
# hours apart), so it times a fixed piece of work (sha256 of 1 GB) before and after: compare
# two runs only where those agree.
#
#   scripts/fresh-check.sh               # folders under a new mktemp -d, removed on success
#   FRESH_ROOT=/tmp/fresh scripts/fresh-check.sh   # there instead (kept)
#   scripts/fresh-check.sh --setup-only  # only scripts/setup.sh (the installs, ~10 minutes)
#   scripts/fresh-check.sh --serve       # scripts/serve.sh until the page is served (limit: 20
#                                        # minutes) and then its WebGPU engine, then stopped
set -euo pipefail
command=./scripts/test.sh
limit=80
if [ "${1:-}" = "--setup-only" ]; then
  command="source scripts/setup.sh"
elif [ "${1:-}" = "--serve" ]; then
  limit=20
  # The serve command until the page it serves trains (its CPU-only engine module answers:
  # the time limited to 20 minutes), then until the whole page is served (the WebGPU engine
  # module answers, built after the page was served), then stopped.
  # In a session of its own, so that stopping it stops the builds it runs.
  command='setsid env PORT=18080 ./scripts/serve.sh & pid=$!
    t0=$(date +%s)
    # (A wasm file: trunk answers a file it does not have with the page itself.)
    answers() {
      until curl -sf -o /dev/null -w "%{content_type}" "http://127.0.0.1:18080/$1" | grep -q "^application/wasm"; do
        kill -0 $pid 2>/dev/null || { wait $pid; exit 1; }
        sleep 2
      done
      t=$(( $(date +%s) - t0 ))
      printf "== %s answers after %dm%02ds: %s\n" "$1" $((t / 60)) $((t % 60)) "$2"
    }
    answers modalscope-worker-cpu_bg.wasm "the page is served and trains (on the CPU engine)"
    page=$t
    answers modalscope-worker_bg.wasm "the whole page is served (the WebGPU engine too)"
    kill -- -$pid
    [ $page -le '$((limit * 60))' ] || { echo "== but the page took more than '$limit' minutes" >&2; exit 1; }'
  limit=60
fi
repo="$(cd "$(dirname "$0")/.." && pwd)"
root="${FRESH_ROOT:-$(mktemp -d /tmp/modalscope-fresh.XXXXXX)}"
mkdir -p "$root"
if [ -n "$(ls -A "$root")" ]; then
  echo "$root is not empty; a fresh check needs empty folders" >&2
  exit 2
fi

rustup_home="${RUSTUP_HOME:-$HOME/.rustup}"
cargo_bin_real="$(dirname "$(command -v rustup)")"
proxies="$root/rustup-proxies"
mkdir -p "$proxies" "$root/cargo-home/bin" "$root/target" "$root/npm-cache"
# Only rustup and its proxies (cargo, rustc, ...) come from the old CARGO_HOME/bin; tools
# that cargo installed there (trunk, wasm-bindgen) must not be found.
for tool in rustup cargo rustc rustdoc cargo-clippy clippy-driver rustfmt cargo-fmt; do
  [ -e "$cargo_bin_real/$tool" ] && ln -s "$cargo_bin_real/$tool" "$proxies/$tool"
done

echo "== fresh check of $(git -C "$repo" rev-parse --short HEAD) in $root"
echo "== kept from this machine:"
echo "   rustup toolchain: $(RUSTUP_HOME="$rustup_home" rustup show active-toolchain 2>/dev/null | head -1)"
echo "   rustup targets: $(RUSTUP_HOME="$rustup_home" rustup target list --installed | tr '\n' ' ')"
echo "   node $(node --version), npm $(npm --version)"
if [ -x /usr/bin/chromium ]; then echo "   apt's chromium: $(/usr/bin/chromium --version 2>/dev/null)"; else echo "   no chromium (setup installs it)"; fi

calibrate() {
  local t0 t1
  t0=$(date +%s%N)
  head -c 1000M /dev/zero | sha256sum >/dev/null
  t1=$(date +%s%N)
  printf '== machine speed (%s): sha256 of 1 GB in %d ms\n' "$1" $(((t1 - t0) / 1000000))
}

git clone --quiet "$repo" "$root/clone"
calibrate before
start=$(date +%s)
status=0
(
  cd "$root/clone"
  env -i \
    HOME="$HOME" \
    USER="${USER:-root}" \
    TERM="${TERM:-dumb}" \
    CI="${CI:-}" \
    RUSTUP_HOME="$rustup_home" \
    CARGO_HOME="$root/cargo-home" \
    CARGO_TARGET_DIR="$root/target" \
    npm_config_cache="$root/npm-cache" \
    PATH="$proxies:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
    bash -c "$command"
) || status=$?
elapsed=$(( $(date +%s) - start ))
calibrate after
printf '== fresh check (%s) %s after %dm%02ds (limit: %d minutes)\n' \
  "${1:-test}" "$([ $status -eq 0 ] && echo passed || echo "FAILED (exit $status)")" $((elapsed / 60)) $((elapsed % 60)) $limit
if [ $status -eq 0 ] && [ -z "${FRESH_ROOT:-}" ]; then
  rm -rf "$root"
fi
if [ $status -eq 0 ] && [ $elapsed -gt $((limit * 60)) ]; then
  echo "== but it took more than $limit minutes" >&2
  exit 1
fi
exit $status
