#!/usr/bin/env bash
# Runs every test: native engine/CLI/plot tests, the engine without the web and CLI
# features, checks that the page's main-thread module has no burn and the CPU-only engine no
# WebGPU backend, that the scripts the README names parse (and build each binary with the
# features it requires), clippy (native and for the three browser modules on wasm32), the release
# wasm build (the page and two engine modules, beside the native tests), and the browser
# specs in headless Chromium (WebGPU through SwiftShader, the CPU fallback, Firefox ESR once).
# Clippy lints the crate while these builds compile it (scripts/build-env.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

say "native test build (engine, CLI, plots, architecture rules), linted by clippy as it compiles"
# The benchmark is only compiled (and linted), as `cargo clippy --all-targets` did.
env "${native_build_env[@]}" cargo test --locked --benches --no-run
env "${native_build_env[@]}" cargo test --locked --no-run

# The release wasm build runs beside the native tests and checks below, which leave a core
# idle much of the time (a test binary's tests, one crate's build); its output is shown once
# it has finished. Its own folders (wasm32 target, release profiles) share no lock with them.
wasm_log="$CARGO_TARGET_DIR/release-wasm-build.log"
say "release wasm build (trunk), in the background: the page (web), the engine (worker,webgpu) and the CPU-only engine (worker), linted by clippy as they compile with .clippy/wasm (bans std::time::Instant::now and std::thread::spawn)"
# In a process group of its own (setsid), so that a failure here stops it with its cargo and
# rustc processes.
setsid env "${wasm_build_env[@]}" trunk build --release >"$wasm_log" 2>&1 &
wasm_build=$!
trap 'kill -- "-$wasm_build" 2>/dev/null || true' EXIT

say "native tests"
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

say "every script the README names parses, and its cargo builds give each binary the features it requires"
for script in $(grep -o '`\(scripts\|bench\)/[A-Za-z0-9_.-]*\.\(sh\|mjs\)`' README.md | tr -d '`' | sort -u); do
  case "$script" in
    *.sh) bash -n "$script" ;;
    *.mjs) node --check "$script" ;;
  esac
done
# Each `--bin NAME` with `--features LIST` in a script (continued lines joined) against
# Cargo.toml's required-features of NAME: a missing one makes cargo refuse the build.
while read -r command; do
  bin=$(grep -o -- '--bin [a-z_-]*' <<<"$command" | head -1 | cut -d' ' -f2)
  features=$(grep -o -- '--features [a-z_,-]*' <<<"$command" | head -1 | cut -d' ' -f2 || true)
  grep -q -- '--no-default-features' <<<"$command" || features="$features,cli"
  required=$(awk -v name="\"$bin\"" '$1 == "name" { current = $3 } current == name && $1 == "required-features" { print; exit }' Cargo.toml | grep -o '"[a-z_-]*"' | tr -d '"' || true)
  for feature in $required; do
    if [[ ",$features," != *",$feature,"* ]]; then
      echo "a script builds $bin with features '$features', but it requires '$feature': $command" >&2
      exit 1
    fi
  done
done < <(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' scripts/*.sh bench/*.sh | grep -- '--bin [a-z_-]' | grep -- 'cargo ')

say "waiting for the release wasm build (its output follows)"
wasm_status=0
wait "$wasm_build" || wasm_status=$?
trap - EXIT
cat "$wasm_log"
if [ "$wasm_status" -ne 0 ]; then
  echo "the release wasm build failed (exit $wasm_status)" >&2
  exit 1
fi

# The cross-backend spec compares the page with the CLI's debug binary that cargo test built.
export MODALSCOPE_CLI="$CARGO_TARGET_DIR/debug/modalscope"
cd www/e2e
say "browser specs: the serve command (it rebuilds dist/, which the other specs serve)"
node --test --test-concurrency=1 specs/serve.spec.mjs
# The specs on WebGPU through SwiftShader (two thirds of the specs' time, with a core idle a
# quarter of it) run beside the others, one spec at a time in each of the two lines.
swiftshader=(specs/cross-backend.spec.mjs specs/webgpu.spec.mjs)
# The specs that time the page's main-thread tasks (no long task while …) run after both
# lines, alone: a task's time is wall time, which on two cores shared with SwiftShader
# includes waiting for a core (Gradient-Blending's spec saw a 284 ms task there on
# 2026-12-07, in a run whose other specs all passed).
mapfile -t timed < <(grep -l 'longTasks()' specs/*.spec.mjs)
others=()
for spec in specs/*.spec.mjs; do
  case " ${swiftshader[*]} ${timed[*]} specs/serve.spec.mjs " in *" $spec "*) ;; *) others+=("$spec") ;; esac
done
gpu_log="$CARGO_TARGET_DIR/swiftshader-specs.log"
say "browser specs (headless Chromium): ${others[*]}; beside them, in the background, ${swiftshader[*]} (their output follows)"
setsid node --test --test-concurrency=1 "${swiftshader[@]}" >"$gpu_log" 2>&1 &
gpu_specs=$!
trap 'kill -- "-$gpu_specs" 2>/dev/null || true' EXIT
others_status=0
node --test --test-concurrency=1 "${others[@]}" || others_status=$?
gpu_status=0
wait "$gpu_specs" || gpu_status=$?
trap - EXIT
say "browser specs on WebGPU through SwiftShader (ran beside the others)"
cat "$gpu_log"
say "browser specs that time the page's main-thread tasks, alone: ${timed[*]}"
timed_status=0
node --test --test-concurrency=1 "${timed[@]}" || timed_status=$?
if [ "$others_status" -ne 0 ] || [ "$gpu_status" -ne 0 ] || [ "$timed_status" -ne 0 ]; then
  echo "browser specs failed (exit $others_status; on SwiftShader, exit $gpu_status; timed alone, exit $timed_status)" >&2
  exit 1
fi
