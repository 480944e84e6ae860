#!/usr/bin/env bash
# The mock next to the real ComfyUI server, live, in the same run: every golden scenario replayed
# against both and compared after the derive script's normalisation (message type order, payload
# keys, status codes, error types and messages, history), requests beyond the traces answer by
# answer, then time to first HTTP answer, median POST /prompt latency (3 and 100 nodes) and a
# prompt's end-to-end time, each with its ratio. Where ComfyUI comes from: comfyui-peer.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
benchmark=mock-vs-comfyui
source Benchmarks/comfyui-peer.sh
exec "$python" Benchmarks/mock_vs_comfyui.py --faultline "$bin" --comfyui-dir "$COMFYUI_DIR" \
  --comfyui-python "$COMFYUI_PYTHON" "$@"
