#!/usr/bin/env bash
# Benchmarks of the mock ComfyUI server (release build):
#   1. spawn-to-ready time: median of 20 spawns of `faultline mock --port 0` until the ready line;
#   2. requests per second on GET /prompt (wrk, 2 threads, 64 connections, 10 s);
#   3. 1,000 WebSocket clients: time from the POST that triggers a `status` broadcast until all got it.
# Needs wrk and python3. Run from anywhere; builds the release binary first.
set -euo pipefail
cd "$(dirname "$0")/.."
CLIENTS="${CLIENTS:-1000}"

swift build -c release --product faultline >/dev/null
BIN="$(swift build -c release --show-bin-path)/faultline"
ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)"

echo "== spawn to ready (release, 20 runs)"
python3 Benchmarks/mock_bench.py spawn "$BIN" 20

start_mock() {
  coproc MOCK { exec "$BIN" mock --port 0 --status-interval 0 --node-time 1s "$@"; }
  read -r READY <&"${MOCK[0]}"
  PORT="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["port"])' "$READY")"
}
stop_mock() {
  kill -TERM "$MOCK_PID" 2>/dev/null || true
  wait "$MOCK_PID" 2>/dev/null || true
}
trap stop_mock EXIT

echo "== GET /prompt requests per second (wrk -t2 -c64 -d10s)"
start_mock
wrk -t2 -c64 -d10s "http://127.0.0.1:${PORT}/prompt" | grep -E "Requests/sec|Latency|requests in"
stop_mock

echo "== ${CLIENTS} WebSocket clients receiving one broadcast"
start_mock
python3 Benchmarks/mock_bench.py broadcast "127.0.0.1:${PORT}" "$CLIENTS"
stop_mock
trap - EXIT
