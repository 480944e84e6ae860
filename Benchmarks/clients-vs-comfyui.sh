#!/usr/bin/env bash
# The Python example client (clients/python/examples/mini_comfy_client.py) against the real ComfyUI
# and the mock: connect, a prompt, its history entry and image, reconnection after a restart on the
# same port, a prompt after it; pass or fail per step and server. Where ComfyUI comes from:
# comfyui-peer.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
benchmark=clients-vs-comfyui
source Benchmarks/comfyui-peer.sh
exec "$python" Benchmarks/clients_vs_comfyui.py --faultline "$bin" --comfyui-dir "$COMFYUI_DIR" \
  --comfyui-python "$COMFYUI_PYTHON"
