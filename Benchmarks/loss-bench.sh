#!/usr/bin/env bash
# Loss fidelity: Faultline's `loss` (retransmit mode) next to the kernel's own TCP on a lossy link.
#
# Kernel path: client and server network namespaces joined through a router namespace; the router
# drops forwarded packets with `iptables -m statistic --mode random` (both directions, ACKs too), and a
# delay namespace between router and server holds frames for the one-way delay (this kernel has no
# netem: a user-space L2 delay line, or a plain bridge at 0 ms). TSO, GSO and GRO are off so a packet
# is one segment. Faultline path: the same workloads on loopback through `faultline proxy` with a
# latency fault of the same delay and a loss fault of the same rate. Both paths run at the same time.
#
#   Benchmarks/loss-bench.sh          2 % loss at 0 and 20 ms each way, shortened counts (~5 min)
#   Benchmarks/loss-bench.sh --full   1, 2, 5 % at 0, 20, 50 ms, 2000 exchanges, 1200 messages,
#                                     20 MB bulk (long: bulk at 50 ms and 5 % alone takes minutes)
# Counts can be set with RR_COUNT (per connection), RR_STREAMS (request/response connections side by
# side, samples pooled, default 4), MSG_COUNT (per stream), MSG_STREAMS (message streams side by
# side, default 8), BULK_MB, BULK_RUNS (transfers per path, default 3: the figure is
# their median); WORKLOADS (default "rr msg bulk") runs a subset, LOSSES="1 2" and DELAYS="0 20" other
# conditions; the congestion control of the model with CONGESTION (default cubic). FAULTLINE_BIN skips
# the release build;
# LOSS_BENCH_KEEP=dir keeps the request/response and message samples of each condition;
# LOSS_BENCH_CAPTURE=dir records the kernel path's headers on both router ports with tcpdump
# (dir/r0-LOSS-DELAY.pcap, r1-...: a port sees what its side sent, before the drop, and what reaches
# that side, after it; a frame arriving on one port and never leaving the other was dropped), keeps
# them to study single recoveries, and prints how long retransmitted segments waited;
# LOSS_BENCH_TIMERS=1 samples the kernel path's own RTT estimate and timeout (`ss -ti`, both ends)
# during the request/response and message workloads and prints their distribution.
set -euo pipefail
cd "$(dirname "$0")/.."
full=0
[[ "${1:-}" == "--full" ]] && full=1

skip() { echo "loss-bench: $*; skipping (needs root, network namespaces, veth and iptables' statistic match)"; exit 0; }
[[ "$(id -u)" == 0 ]] || skip "not root"
command -v ip >/dev/null || skip "no ip command"
command -v iptables >/dev/null || apt-get install -y iptables >/dev/null 2>&1 || skip "no iptables"
command -v ethtool >/dev/null || apt-get install -y ethtool >/dev/null 2>&1 || skip "no ethtool"

tag="flb$$"
C="$tag-c" R="$tag-r" D="$tag-d" S="$tag-s"
work="$(mktemp -d)"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for ns in "$C" "$R" "$D" "$S"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  wait 2>/dev/null || true
  for ns in "$C" "$R" "$D" "$S"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

for ns in "$C" "$R" "$D" "$S"; do ip netns add "$ns" 2>/dev/null || skip "cannot create network namespaces"; done
nsx() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }
ip link add c0 netns "$C" type veth peer name r0 netns "$R" || skip "cannot create veth pairs"
ip link add r1 netns "$R" type veth peer name d0 netns "$D"
ip link add d1 netns "$D" type veth peer name s0 netns "$S"
nsx "$C" ip addr add 10.77.1.2/24 dev c0
nsx "$R" ip addr add 10.77.1.1/24 dev r0
nsx "$R" ip addr add 10.77.2.1/24 dev r1
nsx "$S" ip addr add 10.77.2.2/24 dev s0
for pair in "$C:c0" "$R:r0" "$R:r1" "$D:d0" "$D:d1" "$S:s0"; do
  ns="${pair%%:*}" dev="${pair#*:}"
  nsx "$ns" ip link set lo up
  nsx "$ns" ip link set "$dev" up
  nsx "$ns" ethtool -K "$dev" tx off tso off gso off gro off >/dev/null 2>&1 || true
done
nsx "$C" ip route add default via 10.77.1.1
nsx "$S" ip route add default via 10.77.2.1
nsx "$R" sysctl -qw net.ipv4.ip_forward=1
for ns in "$C" "$S"; do
  # Each run starts from a fresh connection: no RTT or ssthresh remembered from the previous one.
  nsx "$ns" sysctl -qw net.ipv4.tcp_no_metrics_save=1
done

ipt=iptables
nsx "$R" $ipt -A FORWARD -m statistic --mode random --probability 0.5 -j DROP 2>/dev/null || {
  ipt=iptables-legacy
  nsx "$R" $ipt -A FORWARD -m statistic --mode random --probability 0.5 -j DROP 2>/dev/null ||
    skip "iptables' statistic match (xt_statistic) is missing"
}
nsx "$R" $ipt -F FORWARD

if [[ -z "${FAULTLINE_BIN:-}" ]]; then
  swift build -c release --product faultline >&2
  FAULTLINE_BIN=.build/release/faultline
fi
bench="python3 Benchmarks/loss_bench.py"
# The kernel path's sockets use CUBIC, the model's default and most Linux hosts' (this machine's
# default may be BBR; a namespace may not change its own default, a socket option may).
export LOSS_BENCH_CC="${KERNEL_CC:-cubic}"

# The workload servers: one in the server namespace (kernel path), one on loopback (Faultline path).
ip netns exec "$S" $bench serve 5001 & pids+=($!)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
local_port=$(free_port)
$bench serve "$local_port" & pids+=($!)
wait_port() { for _ in $(seq 200); do ss -Hltn "sport = :$2" | grep -q . && return 0; sleep 0.05; done; echo "port $2 never opened" >&2; return 1; }
for _ in $(seq 200); do nsx "$S" ss -Hltn "sport = :5001" | grep -q . && break; sleep 0.05; done
wait_port root "$local_port"

if ((full)); then
  losses="${LOSSES:-1 2 5}" delays="${DELAYS:-0 20 50}"
  rr_count="${RR_COUNT:-2000}" msg_count="${MSG_COUNT:-1200}" bulk_mb="${BULK_MB:-20}"
else
  losses="${LOSSES:-2}" delays="${DELAYS:-0 20}"
  rr_count="${RR_COUNT:-}" msg_count="${MSG_COUNT:-300}" bulk_mb="${BULK_MB:-}"
fi
bulk_runs="${BULK_RUNS:-3}"
msg_streams="${MSG_STREAMS:-8}"
rr_streams="${RR_STREAMS:-4}"
workloads="${WORKLOADS:-rr msg bulk}"

delay_line=""
set_delay() {
  if [[ -n "$delay_line" ]]; then kill "$delay_line" 2>/dev/null || true; wait "$delay_line" 2>/dev/null || true; delay_line=""; fi
  nsx "$D" ip link del br0 2>/dev/null || true
  if [[ "$1" == 0 ]]; then
    nsx "$D" ip link add br0 type bridge
    nsx "$D" ip link set d0 master br0
    nsx "$D" ip link set d1 master br0
    nsx "$D" ip link set br0 up
  else
    ip netns exec "$D" $bench delayline d0 d1 "$1" >"$work/delayline.log" 2>&1 & delay_line=$!
    pids+=("$delay_line")
    for _ in $(seq 100); do grep -q ready "$work/delayline.log" && break; sleep 0.05; done
  fi
  # Let ARP settle through the new path before measuring.
  nsx "$C" ping -c 2 -W 2 10.77.2.2 >/dev/null 2>&1 || true
}

proxy_pid=""
start_proxy() { # loss% delay-ms
  [[ -n "$proxy_pid" ]] && { kill "$proxy_pid" 2>/dev/null || true; wait "$proxy_pid" 2>/dev/null || true; }
  {
    echo "name: loss-bench"
    echo "description: loss-bench condition, $1 % loss and $2 ms each way"
    echo "seed: 14"
    echo "faults:"
    if [[ "$2" != 0 ]]; then printf '  - type: latency\n    latency: %sms\n' "$2"; fi
    printf '  - type: loss\n    rate: %s%%\n' "$1"
    if [[ -n "${CONGESTION:-}" ]]; then printf '    congestion: %s\n' "$CONGESTION"; fi
  } >"$work/profile.yaml"
  proxy_port=$(free_port)
  "$FAULTLINE_BIN" proxy --listen "127.0.0.1:$proxy_port" --upstream "127.0.0.1:$local_port" \
    --profile "$work/profile.yaml" >"$work/proxy.log" 2>&1 & proxy_pid=$!
  pids+=("$proxy_pid")
  wait_port root "$proxy_port"
}

both() { # workload count label rtt [repeat]
  ip netns exec "$C" $bench client 10.77.2.2 5001 "$1" "$work/kernel.json" "$2" "${5:-1}" & local kernel=$!
  $bench client 127.0.0.1 "$proxy_port" "$1" "$work/faultline.json" "$2" "${5:-1}" & local model=$!
  wait "$kernel"; wait "$model"
  $bench report "$work/kernel.json" "$work/faultline.json" "$3" "$4" | tee -a "$work/results.txt"
}

echo "loss-bench: kernel TCP ($(uname -r), $LOSS_BENCH_CC, $ipt statistic drops, TSO/GSO/GRO off) vs faultline loss (congestion ${CONGESTION:-default})"
echo "  extra delay = sample - the run's 10th percentile; affected: extra > 3 ms + RTT/4; stalled: extra > 150 ms"
echo "  KS: on the affected samples' extra delays, plain and with delays within 1 ms taken as equal;"
echo "  kernel/2: the kernel's first half of samples against its second, the reference's own spread"
for loss in $losses; do
  probability=$(python3 -c "print($loss/100)")
  nsx "$R" $ipt -F FORWARD
  nsx "$R" $ipt -A FORWARD -m statistic --mode random --probability "$probability" -j DROP
  for delay in $delays; do
    set_delay "$delay"
    start_proxy "$loss" "$delay"
    rtt=$((2 * delay))
    rr=${rr_count:-$((delay == 0 ? 2000 : 1000))}
    mb=${bulk_mb:-$((delay == 0 ? 20 : 4))}
    echo "== $loss % loss each way, $delay ms each way (RTT $rtt ms): rr $rr_streams connections of $rr exchanges, msg $msg_streams streams of $msg_count messages, bulk $mb MB"
    for ns in "$C" "$S"; do nsx "$ns" nstat -n >/dev/null 2>&1 || true; done
    pcaps=()
    if [[ -n "${LOSS_BENCH_CAPTURE:-}" ]]; then
      command -v tcpdump >/dev/null || apt-get install -y tcpdump >/dev/null 2>&1
      mkdir -p "$LOSS_BENCH_CAPTURE"
      for dev in r0 r1; do
        ip netns exec "$R" tcpdump -i "$dev" -s 128 -U -w "$LOSS_BENCH_CAPTURE/$dev-$loss-$delay.pcap" tcp 2>"$work/tcpdump-$dev.log" & pcaps+=($!)
      done
      pids+=("${pcaps[@]}")
      for dev in r0 r1; do
        for _ in $(seq 100); do grep -q listening "$work/tcpdump-$dev.log" && break; sleep 0.05; done
      done
    fi
    timers=()
    if [[ -n "${LOSS_BENCH_TIMERS:-}" ]]; then
      for ns in "$C" "$S"; do
        ip netns exec "$ns" $bench timers "$work/timers-$ns.jsonl" & timers+=($!)
      done
      pids+=("${timers[@]}")
    fi
    # Request/response and the message stream are light: they run side by side.
    light=()
    if [[ " $workloads " == *" rr "* ]]; then
      ip netns exec "$C" $bench client 10.77.2.2 5001 rr "$work/k-rr.json" "$rr" "$rr_streams" & light+=($!)
      $bench client 127.0.0.1 "$proxy_port" rr "$work/f-rr.json" "$rr" "$rr_streams" & light+=($!)
    fi
    if [[ " $workloads " == *" msg "* ]]; then
      ip netns exec "$C" $bench client 10.77.2.2 5001 msg "$work/k-msg.json" "$msg_count" "$msg_streams" & light+=($!)
      $bench client 127.0.0.1 "$proxy_port" msg "$work/f-msg.json" "$msg_count" "$msg_streams" & light+=($!)
    fi
    ((${#light[@]})) && wait "${light[@]}"
    if ((${#pcaps[@]})); then kill -TERM "${pcaps[@]}" 2>/dev/null || true; wait "${pcaps[@]}" 2>/dev/null || true; fi
    if ((${#timers[@]})); then
      kill -TERM "${timers[@]}" 2>/dev/null || true; wait "${timers[@]}" 2>/dev/null || true
      $bench timer-report "$work/timers-$C.jsonl" "$work/timers-$S.jsonl"
    fi
    for workload in rr msg; do
      [[ " $workloads " == *" $workload "* ]] && $bench report "$work/k-$workload.json" "$work/f-$workload.json" "$workload" "$rtt"
    done
    if [[ " $workloads " == *" bulk "* ]]; then
      both bulk $((mb * 1000000)) "bulk ${mb} MB" "$rtt" "$bulk_runs" >/dev/null
      tail -2 "$work/results.txt"
    fi
    if ((${#pcaps[@]})); then
      $bench retransmissions "$LOSS_BENCH_CAPTURE/r0-$loss-$delay.pcap" "$LOSS_BENCH_CAPTURE/r1-$loss-$delay.pcap" 5001
    fi
    # How the kernel recovered, both ends together: probes, fast (SACK/RACK) recoveries, timeouts.
    echo "  kernel recoveries: $( (nsx "$C" nstat -az; nsx "$S" nstat -az) 2>/dev/null | awk '
      $1 ~ /^(TcpRetransSegs|TcpExtTCPLossProbes|TcpExtTCPLossProbeRecovery|TcpExtTCPSackRecovery|TcpExtTCPTimeouts|TcpExtTCPSpuriousRTOs|TcpExtTCPLostRetransmit)$/ {
        sum[$1] += $2 } END { for (k in sum) printf "%s=%d ", k, sum[k] }')"
    if [[ -n "${LOSS_BENCH_KEEP:-}" ]]; then
      mkdir -p "$LOSS_BENCH_KEEP"
      for f in k-rr f-rr k-msg f-msg; do [[ -f "$work/$f.json" ]] && cp "$work/$f.json" "$LOSS_BENCH_KEEP/$f-$loss-$delay.json"; done
    fi
  done
done
