#!/usr/bin/env bash
# libFuzzer on the parsers that take outside input: the profile parser, the control API's request
# bodies and the mock's /prompt validation (Fuzz/Targets). Each target starts from its corpus in
# Fuzz/corpus/<target> (read only; what libFuzzer finds goes to Fuzz/.build/corpus/<target>) and
# runs INPUTS inputs (1,000,000 by default) from SEED.
#   Fuzz/run.sh [INPUTS] [SEED] [TARGET...]      TARGET: profile, control, prompt (default: all)
# A crash, an input slower than 5 s or a rejection without a clear message stops the target with
# the input saved in Fuzz/.build/artifacts/. Prints one line of figures per target.
set -euo pipefail
cd "$(dirname "$0")"
inputs="${1:-1000000}"
seed="${2:-15}"
shift $(($# > 2 ? 2 : $#))
targets=("${@:-profile control prompt}")
targets=(${targets[*]})
# -sanitize=fuzzer instruments every module for coverage, so this build has its own .build here.
flags=(-c debug -Xswiftc -sanitize=fuzzer -Xswiftc -enable-testing)
for target in "${targets[@]}"; do
  swift build "${flags[@]}" --product "fuzz-$target" >&2
done
bin="$(swift build "${flags[@]}" --show-bin-path)"
mkdir -p .build/artifacts
status=0
for target in "${targets[@]}"; do
  found=".build/corpus/$target"
  mkdir -p "$found"
  log=".build/fuzz-$target.log"
  started=$SECONDS
  if "$bin/fuzz-$target" -runs="$inputs" -seed="$seed" -timeout=5 -print_final_stats=1 \
      -artifact_prefix=".build/artifacts/$target-" "$found" "corpus/$target" >"$log" 2>&1; then
    result=ok
  else
    result="FAILED (see Fuzz/$log)"
    status=1
  fi
  runs=$(grep -oE "stat::number_of_executed_units: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
  speed=$(grep -oE "stat::average_exec_per_sec: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
  coverage=$(grep -oE "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*" "$log" | tail -1 || true)
  peak=$(grep -oE "stat::peak_rss_mb: *[0-9]+" "$log" | grep -oE "[0-9]+$" || echo "?")
  printf 'fuzz %-7s %s inputs in %ds (%s/s), %s, peak RSS %s MB, seed %s: %s\n' "$target" "$runs" \
    "$((SECONDS - started))" "$speed" "${coverage:-no coverage line}" "$peak" "$seed" "$result"
done
exit "$status"
