#!/usr/bin/env bash
# Installs what building and testing Modalscope needs, skipping whatever is already there
# at the right version: the wasm32 target, wasm-bindgen-cli at Cargo.lock's exact version,
# trunk 0.21.14, Debian's chromium and firefox-esr (browser tests), playwright-core,
# puppeteer-core, jsqr and axe-core (npm, from www/e2e/package-lock.json).
# Sourced by scripts/test.sh and scripts/serve.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

source scripts/build-env.sh
# Tools are installed into, and looked for in, CARGO_HOME's bin folder (cargo's own default).
cargo_bin="${CARGO_HOME:-$HOME/.cargo}/bin"
export PATH="$cargo_bin:$PATH"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# Every crate of every target (the wasm-only ones too: leptos, plotters-canvas, …), so that
# the offline trunk build and the --locked/--offline cargo steps never need the network.
say "fetching Cargo.lock's crates (all targets)"
cargo fetch --locked

# The tools are built with the cheapest profile that serves them (the README's set-up notes
# say what was measured): the given opt-level, no debug info, no LTO, parallel codegen.
# Neither is on a hot path: trunk orchestrates cargo, and wasm-bindgen rewrites each module
# once per build. Without their default features they build no TLS stack (ring) and no
# update check: offline, they never download anything.
# They build in a folder of their own: in the wasm modules' `release` folder, a tool's build
# and the engine module's would wait for each other's lock.
fast_install() {
  local opt_level=$1
  shift
  CARGO_PROFILE_RELEASE_OPT_LEVEL=$opt_level CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=256 \
    cargo install --target-dir "$CARGO_TARGET_DIR/tools" --no-default-features "$@"
}

# The cargo commands trunk runs for index.html's rust links (trunk 0.21's own arguments), so
# that a build made with them is the one trunk then finds fresh. The links of one cargo
# profile build one after the other (they share its folder, whose lock would serialise them
# anyway; the second reuses the first's units), the profiles side by side: the page's
# module fills the cores that the engine modules' final steps leave idle.
build_wasm_module() {
  local link=$1
  attr() { grep -o "$1=\"[^\"]*\"" <<<"$link" | cut -d'"' -f2; }
  local profile=(--release)
  [ -n "$(attr data-cargo-profile-release)" ] && profile=(--profile "$(attr data-cargo-profile-release)")
  local default_features=()
  grep -q data-cargo-no-default-features <<<"$link" && default_features=(--no-default-features)
  env "${wasm_build_env[@]}" cargo build --target=wasm32-unknown-unknown --manifest-path "$repo_root/Cargo.toml" \
    "${profile[@]}" --offline --locked --bin "$(attr data-bin)" "${default_features[@]}" --features "$(attr data-cargo-features)"
}
# The cargo profile of a rust link (trunk's `release` unless it names one).
link_profile() {
  local named
  named=$(grep -o 'data-cargo-profile-release="[^"]*"' <<<"$1" | cut -d'"' -f2 || true)
  echo "${named:-release}"
}
# index.html's rust links, less those whose module is named in MODALSCOPE_WASM_LATER (the
# serve command builds the WebGPU engine module after it has served the page).
build_wasm_modules() {
  local links profile pids=() status=0 later
  links=$(grep -o '<link data-trunk rel="rust"[^>]*>' "$repo_root/index.html")
  for later in ${MODALSCOPE_WASM_LATER:-}; do
    links=$(grep -v "data-bin=\"$later\"" <<<"$links")
  done
  for profile in $(while read -r link; do link_profile "$link"; done <<<"$links" | sort -u); do
    (
      while read -r link; do
        if [ "$(link_profile "$link")" = "$profile" ]; then build_wasm_module "$link"; fi
      done <<<"$links"
    ) &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid" || status=$?; done
  return "$status"
}

wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
trunk_version=0.21.14
need_wasm_bindgen=0 need_trunk=0
[ "$("$cargo_bin/wasm-bindgen" --version 2>/dev/null | awk '{print $2}')" != "$wasm_bindgen_version" ] && need_wasm_bindgen=1
[ "$("$cargo_bin/trunk" --version 2>/dev/null | awk '{print $2}')" != "$trunk_version" ] && need_trunk=1

# Building the tools (minutes) leaves a core idle now and then (a large crate, a link); the
# wasm modules are built beside them, in their own process group, with trunk's commands.
modules_build=""
if [ $((need_wasm_bindgen + need_trunk)) -gt 0 ]; then
  modules_log="$CARGO_TARGET_DIR/wasm-modules-build.log"
  mkdir -p "$CARGO_TARGET_DIR"
  say "building the wasm modules${MODALSCOPE_WASM_LATER:+ (not $MODALSCOPE_WASM_LATER: it comes after)} beside the tools, in the background (log: $modules_log)"
  export -f link_profile build_wasm_module build_wasm_modules
  export repo_root MODALSCOPE_WASM_LATER
  setsid bash -c "set -euo pipefail; $(declare -p wasm_build_env); build_wasm_modules" >"$modules_log" 2>&1 &
  modules_build=$!
  trap 'kill -- "-$modules_build" 2>/dev/null || true' EXIT
fi

if [ "$need_wasm_bindgen" = 1 ]; then
  say "installing wasm-bindgen-cli $wasm_bindgen_version (Cargo.lock's version)"
  # --locked first; if a locked dependency is no longer on the registry, resolve afresh.
  # Only the wasm-bindgen binary (not its test runner nor wasm2es6js), at opt-level 1: at 0
  # it builds 80 s sooner but takes 15 s instead of 4 on the engine module, at every build.
  fast_install 1 wasm-bindgen-cli --version "$wasm_bindgen_version" --bin wasm-bindgen --locked --force \
    || fast_install 1 wasm-bindgen-cli --version "$wasm_bindgen_version" --bin wasm-bindgen --force
fi
installed=$("$cargo_bin/wasm-bindgen" --version | awk '{print $2}')
if [ "$installed" != "$wasm_bindgen_version" ]; then
  echo "wasm-bindgen $installed is installed but Cargo.lock needs $wasm_bindgen_version" >&2
  exit 1
fi

if [ "$need_trunk" = 1 ]; then
  say "installing trunk $trunk_version"
  # At opt-level 0: it only runs cargo and wasm-bindgen, copies files and serves them.
  fast_install 0 trunk --version "$trunk_version" --locked --force
fi

if [ -n "$modules_build" ]; then
  say "waiting for the wasm modules' build (its output follows)"
  modules_status=0
  wait "$modules_build" || modules_status=$?
  trap - EXIT
  cat "$modules_log"
  if [ "$modules_status" -ne 0 ]; then
    echo "the wasm modules' build failed (exit $modules_status)" >&2
    exit 1
  fi
fi

if [ "${MODALSCOPE_NO_BROWSER:-0}" != "1" ]; then
  # Debian's chromium for every spec, Debian's firefox-esr for the lecture flow's smoke run.
  browsers=""
  [ -x /usr/bin/chromium ] || browsers="chromium"
  [ -x /usr/bin/firefox-esr ] || browsers="$browsers firefox-esr"
  if [ -n "$browsers" ]; then
    say "installing Debian$browsers"
    apt-get update -qq
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $browsers >/dev/null
  fi
  # `npm ls` fails when a package of package-lock.json is missing (a package added since).
  if ! (cd www/e2e && npm ls --silent >/dev/null 2>&1); then
    say "installing playwright-core, puppeteer-core, jsqr and axe-core (npm; the browsers are Debian's, never downloaded)"
    (cd www/e2e && npm ci --no-audit --no-fund --silent)
  fi
fi
