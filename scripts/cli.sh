#!/usr/bin/env bash
# Runs the native CLI with the test command's target folder, profile and build environment
# (scripts/build-env.sh; no separate release build):
#   scripts/cli.sh run --preset imbalance --seed 1 --out runs/imb
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/build-env.sh
exec env "${native_build_env[@]}" cargo run --quiet --locked --bin modalscope -- "$@"
