# Sourced by the benchmarks that run a real ComfyUI next to the mock (mock-vs-comfyui.sh,
# clients-vs-comfyui.sh), from the repository's root, with `$benchmark` naming the caller.
# Needs a ComfyUI checkout and a Python that runs it; nothing here installs them:
#   COMFYUI_DIR     a ComfyUI source tree (0.3.64 is commit a125cd84 of comfyanonymous/ComfyUI)
#   COMFYUI_PYTHON  a Python with its requirements.txt installed (a virtual environment outside
#                   this repository); it runs as `main.py --cpu`, no model files needed
#   COMFYUI_COMMIT  optional: the commit to print when COMFYUI_DIR is not a git work tree
# Without them it says so and exits 0. Sets `bin` (faultline, release build unless
# FAULTLINE_CONFIGURATION says otherwise) and `python` (.venv, with websocket-client).
if [[ -z "${COMFYUI_DIR:-}" || -z "${COMFYUI_PYTHON:-}" ]]; then
  echo "$benchmark: skipped: set COMFYUI_DIR (a ComfyUI source tree, e.g. commit a125cd84 =" \
    "0.3.64) and COMFYUI_PYTHON (a Python with its requirements.txt installed) to run it"
  exit 0
fi
[[ -f "$COMFYUI_DIR/main.py" ]] || { echo "$benchmark: COMFYUI_DIR=$COMFYUI_DIR has no main.py" >&2; exit 2; }
[[ -x "$COMFYUI_PYTHON" ]] || { echo "$benchmark: COMFYUI_PYTHON=$COMFYUI_PYTHON is not executable" >&2; exit 2; }
configuration="${FAULTLINE_CONFIGURATION:-release}"
swift build -c "$configuration" --product faultline >&2
bin="$(swift build -c "$configuration" --show-bin-path)/faultline"
python=.venv/bin/python
[[ -x "$python" ]] || scripts/setup >&2
