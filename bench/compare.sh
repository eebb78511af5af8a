#!/usr/bin/env bash
# Native training speed: the engine's loop (`modalscope bench`), the bare burn loop
# (bench/bare_loop.rs) and PyTorch on the CPU at 1 and 2 threads, alternated for three
# rounds on the same model and loss; prints each one's median steps/s and the ratios, as a
# Markdown table for bench/RESULTS.md. Arguments go to all of them (--batch-size N,
# --width N, --modalities N, --steps N). Release builds in CARGO_TARGET_DIR (default the
# test command's, ~/.cache/modalscope-target); PyTorch from bench/setup-pytorch.sh.
#
#   bench/compare.sh
#   bench/compare.sh --batch-size 256 --width 128
source "$(dirname "$0")/common.sh"
rounds="${ROUNDS:-3}"
cargo bench --locked --quiet --bench bare_loop --no-run 2>/dev/null

declare -A results
for round in $(seq "$rounds"); do
  results[engine]+="$(rate "$CARGO_TARGET_DIR/release/modalscope" bench "$@") "
  results[bare]+="$(rate cargo bench --locked --quiet --bench bare_loop -- "$@") "
  results[torch1]+="$(rate "$python" bench/pytorch_bench.py --threads 1 "$@") "
  results[torch2]+="$(rate "$python" bench/pytorch_bench.py --threads 2 "$@") "
  echo "round $round of $rounds done" >&2
done

"$python" - "$*" "${results[engine]}" "${results[bare]}" "${results[torch1]}" "${results[torch2]}" <<'PY'
import platform, statistics, subprocess, sys, datetime
args, *runs = sys.argv[1:]
names = ["engine (modalscope bench, 1 thread)", "bare burn loop (1 thread)", "PyTorch, 1 thread", "PyTorch, 2 threads"]
values = [[float(v) for v in r.split()] for r in runs]
medians = [statistics.median(v) for v in values]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
print(f"`bench/compare.sh {args}`".replace(" `", "`"), f"— {datetime.date.today()}, {cpu}, {subprocess.check_output(['nproc']).decode().strip()} cores, {len(values[0])} rounds alternated\n")
print("| loop | steps/s (median) | runs | engine ÷ this |")
print("|---|---|---|---|")
for name, med, runs in zip(names, medians, values):
    print(f"| {name} | {med:.0f} | {' '.join(f'{r:.0f}' for r in runs)} | {medians[0] / med:.2f}× |")
PY
