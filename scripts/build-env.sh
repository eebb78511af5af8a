#!/usr/bin/env bash
# The environment in which every script builds the project's crate (sourced by setup.sh and
# cli.sh), so that the test command, the serve command and the CLI share one build and
# nothing is compiled twice.
#
# Clippy lints the project's own crate while cargo compiles it: clippy-driver as cargo's
# RUSTC_WORKSPACE_WRAPPER with its arguments in CLIPPY_ARGS, the mechanism `cargo clippy`
# itself uses. The dependencies are never compiled a second time just to be checked, and the
# lints cover exactly what is built: natively the library, its unit tests, the CLI, the
# integration tests and the benchmark (what `cargo clippy --all-targets` covered); for
# wasm32 the three modules trunk ships, each with its own features (`web`, `worker`,
# `worker,webgpu`), with .clippy/wasm/clippy.toml. Warnings (rustc's and clippy's) and
# missing docs are errors in the project's crate; the dependencies are not linted.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/modalscope-target}"
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
native_build_env=(
  RUSTC_WORKSPACE_WRAPPER=clippy-driver
  CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__-D__CLIPPY_HACKERY__missing_docs__CLIPPY_HACKERY__"
)
wasm_build_env=("${native_build_env[@]}" CLIPPY_CONF_DIR="$repo_root/.clippy/wasm")
