#!/usr/bin/env python3
"""The Python example client (clients/python/examples/mini_comfy_client.py) against the real ComfyUI
and against the mock, step by step: connect, a prompt run to its end, its history entry and image,
and reconnection after the server was stopped and started again on the same port. Prints pass or
fail for each step and server. Started by Benchmarks/clients-vs-comfyui.sh; servers are started and
reaped as in mock_vs_comfyui.py, whose helpers it uses.
"""
import argparse
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "clients", "python", "examples"))
import mock_vs_comfyui as live  # noqa: E402
from mini_comfy_client import MiniComfyClient  # noqa: E402

STEPS = ["connect", "prompt runs to its end", "history entry and its image",
         "no connection while stopping", "reconnects after a restart", "prompt after the reconnection"]


def saver(color):
    """A model-free prompt that writes one image: EmptyImage → ImageInvert → SaveImage."""
    return {"1": {"class_type": "EmptyImage",
                  "inputs": {"width": 16, "height": 8, "batch_size": 1, "color": color}},
            "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
            "3": {"class_type": "SaveImage", "inputs": {"filename_prefix": "client", "images": ["2", 0]}}}


def check_image(base, entry):
    image = entry["outputs"]["3"]["images"][0]
    url = (f"{base}/view?filename={image['filename']}&type={image['type']}"
           f"&subfolder={image['subfolder']}")
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.status == 200 and reply.read(8) == b"\x89PNG\r\n\x1a\n"


def run_client(name, argv, folder, results):
    """Runs the steps against one server; `results[step]` is (passed, detail)."""
    server = live.Server(name, argv, folder)
    servers = [server]
    client = None
    try:
        server.wait_ready(300)
        base = f"http://127.0.0.1:{server.port}"
        client = MiniComfyClient(base, auto_reconnect=True, initial_delay=0.1, max_delay=0.5,
                                 connect_timeout=5)
        reconnected, reconnections = threading.Event(), []
        client.on("reconnected", lambda *_: (reconnections.append(1), reconnected.set()))
        client.connect()
        results[STEPS[0]] = (client.is_connected(), client.state)
        entry = client.wait_for_prompt(client.queue_prompt(saver(1)), timeout=60)
        results[STEPS[1]] = (entry["status"]["status_str"] == "success", entry["status"]["status_str"])
        results[STEPS[2]] = (entry["status"]["completed"] and check_image(base, entry),
                             f"{len(entry['outputs'].get('3', {}).get('images', []))} image(s)")
        # A server that is going away should not accept the client again (the real one, ended by
        # SIGTERM, does not): reconnections counted from SIGTERM until the process has exited.
        reconnections.clear()
        server.stop()
        results[STEPS[3]] = (not reconnections,
                             f"{len(reconnections)} reconnection(s) accepted by the stopping server")
        reconnected.clear()
        started = time.monotonic()
        server = live.Server(name, argv, folder, port=server.port)
        servers.append(server)
        server.wait_ready(300)
        passed = reconnected.wait(60)
        results[STEPS[4]] = (passed, f"{time.monotonic() - started:.1f} s after the restart began")
        entry = client.wait_for_prompt(client.queue_prompt(saver(2)), timeout=60)
        results[STEPS[5]] = (entry["status"]["status_str"] == "success" and check_image(base, entry),
                             entry["status"]["status_str"])
    except Exception as error:  # the step that raised and those after it fail, with the reason
        for step in STEPS:
            results.setdefault(step, (False, f"{type(error).__name__}: {error}"[:160]))
    finally:
        if client:
            client.destroy()
        for each in servers:
            each.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faultline", required=True)
    parser.add_argument("--comfyui-dir", required=True)
    parser.add_argument("--comfyui-python", required=True)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    peers = [("ComfyUI", live.comfyui_argv(args.comfyui_dir, args.comfyui_python)),
             ("mock", live.mock_argv(args.faultline))]
    table, folders = {}, []
    try:
        for name, argv in peers:
            folders.append(tempfile.mkdtemp(prefix=f"clients-vs-comfyui-{name}-"))
            table[name] = {}
            run_client(name, argv, folders[-1], table[name])
    finally:
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)
    print("Python example client (mini_comfy_client.py)")
    print(f"{'step':32} {'ComfyUI':8} {'mock':8}")
    for step in STEPS:
        marks = ["pass" if table[name][step][0] else "FAIL" for name, _ in peers]
        print(f"{step:32} {marks[0]:8} {marks[1]:8}")
        for name, _ in peers:
            if not table[name][step][0]:
                print(f"    {name}: {table[name][step][1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
