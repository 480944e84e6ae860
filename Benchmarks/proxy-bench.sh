#!/usr/bin/env bash
# Throughput and latency of the passthrough proxy, side by side on loopback, measured in one run:
# no proxy, Faultline, HAProxy and socat. iperf3 for throughput (1 and 8 streams), sockperf
# ping-pong for latency (p50, p99). Prints each figure and the ratios Faultline/HAProxy.
#   Benchmarks/proxy-bench.sh [seconds-per-run]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-5}"
scripts/setup --bench >&2
swift build -c release --product faultline >&2
bin=.build/release/faultline
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
# Waits until something listens on the port, without connecting: a probe connection would reach the
# iperf3 server through the proxy as a bogus test and leave it busy.
wait_port() { for _ in $(seq 200); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.05; done; echo "port $1 never opened" >&2; return 1; }

iperf_port=$(free_port); sockperf_port=$(free_port)
iperf3 -s -p "$iperf_port" >/dev/null 2>&1 & pids+=($!)
sockperf server --tcp -i 127.0.0.1 -p "$sockperf_port" >/dev/null 2>&1 & pids+=($!)
wait_port "$iperf_port"; wait_port "$sockperf_port"

# One front port per (proxy, backend). Sets $front; not run in a subshell, so $pids keeps the child.
start_proxy() { # kind backend-port
  local kind=$1 backend=$2 port; port=$(free_port)
  case $kind in
    faultline)
      "$bin" proxy --listen "127.0.0.1:$port" --upstream "127.0.0.1:$backend" >"$work/fl-$port.log" 2>&1 & pids+=($!) ;;
    haproxy)
      cat >"$work/haproxy-$port.cfg" <<CFG
global
  maxconn 4000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend f
  bind 127.0.0.1:$port
  default_backend b
backend b
  server s 127.0.0.1:$backend
CFG
      haproxy -f "$work/haproxy-$port.cfg" >"$work/haproxy-$port.log" 2>&1 & pids+=($!) ;;
    socat)
      socat "TCP-LISTEN:$port,bind=127.0.0.1,fork,reuseaddr" "TCP:127.0.0.1:$backend" >/dev/null 2>&1 & pids+=($!) ;;
  esac
  wait_port "$port"
  front=$port
}

iperf_gbps() { # port streams
  iperf3 -c 127.0.0.1 -p "$1" -P "$2" -t "$seconds" -J 2>/dev/null |
    python3 -c 'import json,sys; d=json.load(sys.stdin); e=d.get("end",{}).get("sum_received"); print("%.2f" % (e["bits_per_second"]/1e9) if e else "error:" + d.get("error","?").replace(" ","_"))'
}
sockperf_us() { # port -> "p50 p99"
  sockperf ping-pong --tcp -i 127.0.0.1 -p "$1" -t "$seconds" -m 64 --full-rtt 2>&1 |
    python3 -c '
import re,sys
t=sys.stdin.read()
def pct(p):
    m=re.search(r"---> percentile "+p+r" =\s+([0-9.]+)", t)
    return m.group(1) if m else "nan"
print(pct("50.000"), pct("99.000"))'
}

declare -A thr1 thr8 p50 p99
for kind in direct faultline haproxy socat; do
  if [ "$kind" = direct ]; then ip=$iperf_port; sp=$sockperf_port; else
    start_proxy "$kind" "$iperf_port"; ip=$front; start_proxy "$kind" "$sockperf_port"; sp=$front; fi
  thr1[$kind]=$(iperf_gbps "$ip" 1)
  thr8[$kind]=$(iperf_gbps "$ip" 8)
  read -r p50[$kind] p99[$kind] < <(sockperf_us "$sp")
  echo "measured $kind" >&2
done

printf '\n%-10s %14s %14s %14s %14s\n' "path" "1 stream Gb/s" "8 streams Gb/s" "RTT p50 us" "RTT p99 us"
for kind in direct faultline haproxy socat; do
  printf '%-10s %14s %14s %14s %14s\n' "$kind" "${thr1[$kind]}" "${thr8[$kind]}" "${p50[$kind]}" "${p99[$kind]}"
done
python3 - "${thr1[faultline]}" "${thr1[haproxy]}" "${thr8[faultline]}" "${thr8[haproxy]}" \
  "${p50[direct]}" "${p50[faultline]}" "${p50[haproxy]}" <<'PY'
import sys
f1,h1,f8,h8,d50,f50,h50=map(float,sys.argv[1:])
print("\nFaultline/HAProxy throughput, 1 stream:  %.2fx" % (f1/h1))
print("Faultline/HAProxy throughput, 8 streams: %.2fx" % (f8/h8))
print("Added p50 latency: Faultline %.1f us, HAProxy %.1f us (ratio %.2fx)" % (f50-d50, h50-d50, (f50-d50)/max(h50-d50,0.001)))
PY
