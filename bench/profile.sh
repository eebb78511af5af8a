#!/usr/bin/env bash
# Where a native training step spends its time: `perf record` of `modalscope bench` built
# with the release settings plus symbols (a separate `profiling` profile, so the release
# build stays as it is), then the functions with the most samples (self time). Needs Linux
# perf. Arguments go to `modalscope bench` (default: the default model, 4,000 steps).
#
#   bench/profile.sh                      bench/profile.sh --batch-size 1024
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/modalscope-target}"
cargo build --locked --quiet --bin modalscope --profile profiling \
  --config 'profile.profiling.inherits="release"' --config 'profile.profiling.strip=false' \
  --config 'profile.profiling.debug="line-tables-only"'
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--steps 4000)
data=$(mktemp)
perf record -q -F 2000 -g -o "$data" "$CARGO_TARGET_DIR/profiling/modalscope" bench "${args[@]}" >/dev/null
echo "\`bench/profile.sh ${args[*]}\` — $(date -u +%F), $(sed -n 's/^model name\s*:\s*//p' /proc/cpuinfo | head -1)"
echo
echo "| self % | function |"
echo "|---|---|"
report=$(perf report -i "$data" --no-children --sort symbol --stdio 2>/dev/null | grep -E '^ +[0-9.]+%')
head -30 <<<"$report" \
  | awk '{ pct = $1; sub(/%/, "", pct); $1 = ""; $2 = ""; sub(/^ +/, ""); sub(/ +$/, ""); sub(/ - -$/, ""); printf "| %s | `%s` |\n", pct, substr($0, 1, 140) }'
echo
echo "Self time by kind (every sampled function, by name):"
echo
echo "| kind | self % |"
echo "|---|---|"
awk '
  { pct = $1; sub(/%/, "", pct); name = $0
    if (name ~ /gemm/) k = "matrix products (gemm kernels)"
    else if (name ~ /malloc|_int_free|cfree|free@|consolidate|unlink_chunk|memmove|memcpy|memset/) k = "allocation and copies (libc)"
    else if (name ~ /burn_autodiff|hash|Hash|SmallVec|smallvec/) k = "autodiff graph bookkeeping (burn-autodiff, hashing)"
    else if (name ~ /burn_flex/) k = "element-wise ops and reductions (burn-flex)"
    else k = "other"
    total[k] += pct }
  END { for (k in total) printf "| %s | %.1f |\n", k, total[k] }' <<<"$report" | sort -t'|' -k3 -rn
rm -f "$data"
