#!/usr/bin/env bash
# Scaling, native: steps/s of the engine's loop (`modalscope bench`, 1 thread) and of
# PyTorch on the CPU (1 thread, the peer, measured right after it) as the batch size, the
# encoder width and the number of modalities grow from the default model (batch 64, width
# 64, two 16-feature modalities), one axis at a time. Writes docs/scaling-native.json and
# prints a Markdown table; bench/scaling-plot.mjs draws docs/scaling.svg from the JSON files.
#
#   bench/scaling.sh            (STEPS=… to change the timed steps per point, default 400)
source "$(dirname "$0")/common.sh"
steps="${STEPS:-400}"
mkdir -p docs

points=()
for axis in batch-size width modalities; do
  case "$axis" in
    batch-size) values="16 64 256 1024" ;;
    width) values="32 64 128 256" ;;
    modalities) values="2 3 4" ;;
  esac
  for value in $values; do
    engine=$(rate "$CARGO_TARGET_DIR/release/modalscope" bench --steps "$steps" --"$axis" "$value")
    torch=$(rate "$python" bench/pytorch_bench.py --threads 1 --steps "$steps" --"$axis" "$value")
    points+=("{\"axis\":\"$axis\",\"value\":$value,\"engine\":$engine,\"pytorch\":$torch}")
    echo "$axis=$value: engine $engine, PyTorch $torch" >&2
  done
done
printf '{"command":"bench/scaling.sh","date":"%s","machine":"%s, %s cores","steps":%s,"points":[%s]}\n' \
  "$(date -u +%F)" "$cpu" "$(nproc)" "$steps" "$(IFS=,; echo "${points[*]}")" > docs/scaling-native.json

echo "\`bench/scaling.sh\` — $(date -u +%F), $cpu, $(nproc) cores, $steps timed steps per point"
echo
echo "| axis | value | engine steps/s | PyTorch steps/s (1 thread) | engine ÷ PyTorch |"
echo "|---|---|---|---|---|"
for p in "${points[@]}"; do
  "$python" -c "import json,sys; p=json.loads(sys.argv[1]); print(f\"| {p['axis']} | {p['value']} | {p['engine']:.0f} | {p['pytorch']:.0f} | {p['engine']/p['pytorch']:.2f}× |\")" "$p"
done
