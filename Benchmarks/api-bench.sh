#!/usr/bin/env bash
# Control API benchmark: round trip p50/p99 idle and under 1,000 busy connections, and the time for a
# toxic change to take effect on live connections. Builds faultline in release mode first.
# Usage: Benchmarks/api-bench.sh [--connections N] [--requests N]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
swift build -c release --product faultline >&2
binary="$(swift build -c release --show-bin-path)/faultline"
python="${FAULTLINE_PYTHON:-python3}"
# 1,000 client sockets plus 1,000 echo sockets plus the proxy's 2,000 need more than the default 1,024.
ulimit -n 16384 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec "$python" "$root/Benchmarks/api_bench.py" "$binary" "$@"
