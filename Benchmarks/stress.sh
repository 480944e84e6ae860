#!/usr/bin/env bash
# Stress runs with bounded time and counts, printing figures (see docs/reliability.md for the results
# and what each one shows). Heavy: not part of the test suite. Run niced on a shared machine.
#   Benchmarks/stress.sh [--full] [PART ...]
# Parts (default: all): mock-churn, buffer-bound, connections, churn, integrity, storm.
# The default sizes take a few minutes in all; --full uses the sizes of the issue (100,000 mock
# cycles, 10,000 stalled readers, 50,000 connections or as many as the descriptor limit allows,
# 1,000,000 churn cycles, 1 GiB per fault and 10 GiB plain).
set -euo pipefail
cd "$(dirname "$0")/.."
full=0
parts=()
for arg in "$@"; do
  case $arg in
    --full) full=1 ;;
    mock-churn | buffer-bound | connections | churn | integrity | storm) parts+=("$arg") ;;
    *) echo "stress: unknown argument $arg (known: --full, mock-churn, buffer-bound, connections, churn, integrity, storm)" >&2; exit 2 ;;
  esac
done
[ ${#parts[@]} -gt 0 ] || parts=(mock-churn buffer-bound connections churn integrity storm)
if [ "$full" -eq 1 ]; then
  mock_cycles=100000 stalled=10000 connections=50000 churn_seconds=20 churn_cycles=1000000 fault_mib=1024 plain_mib=10240
else
  mock_cycles=10000 stalled=1000 connections=2000 churn_seconds=6 churn_cycles=50000 fault_mib=64 plain_mib=512
fi

swift build -c release --product faultline >&2
swift build -c release --product faultline-bench >&2
bin=.build/release/faultline
bench=.build/release/faultline-bench
stress=Benchmarks/stress
# Raise the soft descriptor limit as far as the hard one allows; the scripts say when it is too low.
ulimit -n "$(ulimit -Hn)" || true
echo "descriptor limit: soft $(ulimit -Sn), hard $(ulimit -Hn)"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
status=0

for part in "${parts[@]}"; do
  echo "== $part"
  case $part in
    mock-churn)
      # The mock's RSS over WebSocket connect/close cycles (handshake close, plain close, reset, replaced session).
      coproc MOCK { exec "$bin" mock --port 0 --status-interval 0 --exit-with-parent; }
      pids+=("$MOCK_PID")
      read -r ready <&"${MOCK[0]}"
      port=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["port"])' "$ready")
      python3 "$stress/mock_churn.py" "$MOCK_PID" "$port" "$mock_cycles" 4 || status=1
      kill "$MOCK_PID"; wait "$MOCK_PID" 2>/dev/null || true
      ;;
    buffer-bound) python3 "$stress/stalled_readers.py" "$bin" "$stalled" || status=1 ;;
    connections) python3 "$stress/connections.py" "$bin" "$connections" || status=1 ;;
    churn)
      command -v haproxy >/dev/null || echo "haproxy missing: scripts/setup --bench installs it"
      python3 "$stress/churn.py" "$bin" "$bench" "$churn_seconds" "$churn_cycles" 4 || status=1
      ;;
    integrity)
      coproc ECHO { exec "$bench" echo; }
      pids+=("$ECHO_PID")
      read -r ready <&"${ECHO[0]}"
      port=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["port"])' "$ready")
      python3 "$stress/integrity.py" "$bin" "$port" "$fault_mib" || status=1
      python3 "$stress/integrity.py" "$bin" "$port" "$plain_mib" plain || status=1
      kill "$ECHO_PID"; wait "$ECHO_PID" 2>/dev/null || true
      ;;
    storm) python3 "$stress/mock_storm.py" "$bin" 1000 || status=1 ;;
  esac
done
exit $status
