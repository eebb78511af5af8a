# Sourced by bench/compare.sh and bench/scaling.sh: the repository root as the working
# folder, the test command's target folder, PyTorch's interpreter (bench/setup-pytorch.sh
# installs it outside the clone), the release CLI, and `rate`, which runs a benchmark
# command and prints only its steps/s.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/modalscope-target}"
python="$(bench/setup-pytorch.sh | tail -1)"
cargo build --locked --release --quiet --bin modalscope
cpu=$(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)

rate() { "$@" 2>/dev/null | sed -n 's/^steps_per_s=//p'; }
