#!/usr/bin/env bash
# Mutation fuzzing of the profile parser, the control API's request bodies and the mock's /prompt
# validation (Tests/FuzzTests): 1,000,000 inputs each by default, from the corpora in Fuzz/corpus.
#   Fuzz/run.sh [INPUTS] [SEED]
# Prints one line of figures per target; fails on a crash (the test process dies), an input slower
# than a second, or a rejection without a clear message.
set -euo pipefail
cd "$(dirname "$0")/.."
export FAULTLINE_FUZZ_INPUTS="${1:-1000000}"
export FAULTLINE_FUZZ_SEED="${2:-15}"
swift build --build-tests >&2
swift test --skip-build --filter FuzzTests 2>&1 | grep -E "^fuzz |✘|Test run"
