#!/usr/bin/env bash
# Runs the native CLI with the test command's target folder and profile (no separate
# release build): scripts/cli.sh run --preset imbalance --seed 1 --out runs/imb
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/modalscope-target}"
exec cargo run --quiet --locked --bin modalscope -- "$@"
