#!/usr/bin/env bash
# Benchmark of a mock that takes on a user's node set (release build):
#   1. spawn-to-ready of `faultline mock --object-info` with a 500-class dump (goal <= 100 ms; the real
#      ComfyUI 0.3.64 takes 7-9 s to start), against the built-in catalogue measured in the same run;
#   2. validation of a 100-node prompt (goal <= 5 ms): POST /prompt against GET /prompt on one connection.
# The dump is made from the built-in catalogue's real entries (renamed copies), so no file is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-20}"

swift build -c release --product faultline >/dev/null
BIN="$(swift build -c release --show-bin-path)/faultline"
DUMP="$(mktemp --suffix=.json)"
trap 'rm -f "$DUMP"' EXIT

python3 Benchmarks/object_info_bench.py dump "$BIN" "$DUMP" 500
echo "== spawn to ready (release, ${RUNS} runs each)"
python3 Benchmarks/object_info_bench.py startup "$BIN" "$DUMP" "$RUNS"
echo "== validation of a 100-node prompt (200 requests each)"
python3 Benchmarks/object_info_bench.py validate "$BIN" "$DUMP" 200
