#!/usr/bin/env bash
# The mock next to the real ComfyUI server, live, in the same run: every golden scenario replayed
# against both and compared after the derive script's normalisation (message type order, payload
# keys, status codes, error types and messages, history), then time to first HTTP answer, median
# POST /prompt latency (3 and 100 nodes) and a prompt's end-to-end time, each with its ratio.
#
# Needs a ComfyUI checkout and a Python that runs it; nothing here installs them:
#   COMFYUI_DIR     a ComfyUI source tree (0.3.64 is commit a125cd84 of comfyanonymous/ComfyUI)
#   COMFYUI_PYTHON  a Python with its requirements.txt installed (a virtual environment outside
#                   this repository); it runs as `main.py --cpu`, no model files needed
#   COMFYUI_COMMIT  optional: the commit to print when COMFYUI_DIR is not a git work tree
# Without them it says so and exits 0. FAULTLINE_CONFIGURATION=debug uses the debug build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -z "${COMFYUI_DIR:-}" || -z "${COMFYUI_PYTHON:-}" ]]; then
  echo "mock-vs-comfyui: skipped: set COMFYUI_DIR (a ComfyUI source tree, e.g. commit a125cd84 =" \
    "0.3.64) and COMFYUI_PYTHON (a Python with its requirements.txt installed) to run it"
  exit 0
fi
[[ -f "$COMFYUI_DIR/main.py" ]] || { echo "mock-vs-comfyui: COMFYUI_DIR=$COMFYUI_DIR has no main.py" >&2; exit 2; }
[[ -x "$COMFYUI_PYTHON" ]] || { echo "mock-vs-comfyui: COMFYUI_PYTHON=$COMFYUI_PYTHON is not executable" >&2; exit 2; }
configuration="${FAULTLINE_CONFIGURATION:-release}"
swift build -c "$configuration" --product faultline >&2
bin="$(swift build -c "$configuration" --show-bin-path)/faultline"
python=.venv/bin/python
[[ -x "$python" ]] || scripts/setup >&2
exec "$python" Benchmarks/mock_vs_comfyui.py --faultline "$bin" --comfyui-dir "$COMFYUI_DIR" \
  --comfyui-python "$COMFYUI_PYTHON" "$@"
