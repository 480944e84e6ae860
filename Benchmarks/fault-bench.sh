#!/usr/bin/env bash
# Fault-injection figures: latency accuracy (1 ms .. 1 s), timeline edge precision, CPU with 1,000
# connections under latency (faultline-bench, release build), and iperf3 throughput through
# `faultline proxy` with a 50 ms latency fault next to the clean proxy.
#   Benchmarks/fault-bench.sh [seconds-per-iperf-run]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
scripts/setup --bench >&2
swift build -c release --product faultline --product faultline-bench >&2 2>&1 || {
  swift build -c release --product faultline >&2 && swift build -c release --product faultline-bench >&2; }
ulimit -n 65536 2>/dev/null || true
.build/release/faultline-bench

work="$(mktemp -d)"
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# Waits until something listens on the port, without connecting: a probe connection would reach the
# iperf3 server through the proxy as a bogus test and leave it busy.
wait_port() { for _ in $(seq 200); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }

cat >"$work/latency-50ms.yaml" <<'YAML'
name: latency-50ms
description: Benchmark profile, 50 ms each way; our choice, no published preset.
faults:
  - type: latency
    latency: 50ms
YAML
iperf_port=$(free_port)
iperf3 -s -p "$iperf_port" >/dev/null 2>&1 & pids+=($!)
wait_port "$iperf_port"
gbps() { for _ in 1 2 3 4 5; do
  # A slow network delays the end of the previous test; iperf3 answers "busy" until it is over.
  out=$(gbps_once "$@"); case $out in *busy*) sleep 2 ;; *) echo "$out"; return ;; esac; done; echo "$out"; }
gbps_once() { iperf3 -c 127.0.0.1 -p "$1" -P "$2" -t "$seconds" -J 2>/dev/null |
  python3 -c 'import json,sys; d=json.load(sys.stdin); e=d.get("end",{}).get("sum_received"); print("%.3f" % (e["bits_per_second"]/1e9) if e else "error:" + d.get("error","?").replace(" ","_"))'; }
clean=$(free_port); slow=$(free_port)
.build/release/faultline proxy --listen "127.0.0.1:$clean" --upstream "127.0.0.1:$iperf_port" >/dev/null 2>&1 & pids+=($!)
.build/release/faultline proxy --listen "127.0.0.1:$slow" --upstream "127.0.0.1:$iperf_port" \
  --profile "$work/latency-50ms.yaml" >/dev/null 2>&1 & pids+=($!)
wait_port "$clean"; wait_port "$slow"
printf 'Throughput through faultline proxy (iperf3, %s s):\n' "$seconds"
printf '  clean proxy, 1 stream:              %s Gb/s\n' "$(gbps "$clean" 1)"
printf '  50 ms latency each way, 1 stream:   %s Gb/s\n' "$(gbps "$slow" 1)"
printf '  50 ms latency each way, 8 streams:  %s Gb/s\n' "$(gbps "$slow" 8)"
echo "  (a 100 ms round trip bounds one stream at window/RTT; the proxy holds up to 1 MiB per direction)"
