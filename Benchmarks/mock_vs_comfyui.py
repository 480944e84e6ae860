#!/usr/bin/env python3
"""The mock and the real ComfyUI server side by side, live, on the same requests.

Started by Benchmarks/mock-vs-comfyui.sh. Starts both servers (each on a free port, each with fresh
input/output/temp directories), replays every golden scenario (the requests and WebSocket sessions
of the reference traces, kept in Tests/MockComfyTests/Fixtures/golden) against both, records each
answer in the traces' own format, normalises it with scripts/derive-mock-fixtures' `scenario()`,
and prints what differs. Then measures both: time to first HTTP answer, POST /prompt latency for a
small and a 100-node prompt, and a prompt's end-to-end time. Both servers are reaped on any exit.
"""
import argparse
import difflib
import importlib.machinery
import importlib.util
import json
import os
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

import websocket

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GOLDEN = os.path.join(ROOT, "Tests", "MockComfyTests", "Fixtures", "golden")
# The mock's timing in this run: the golden tests' own (a node takes 5 ms, samplers report 2 steps).
MOCK_NODE_TIME = "5ms"
MOCK_PROGRESS_STEPS = "2"
# A normalised scenario's inputs (what was sent), not compared.
INPUT_KEYS = ("scenario", "description", "request", "before", "client_id", "sends_feature_flags")


def load_derive():
    """scripts/derive-mock-fixtures as a module: the traces' normalisation, used as it is."""
    path = os.path.join(ROOT, "scripts", "derive-mock-fixtures")
    loader = importlib.machinery.SourceFileLoader("derive_mock_fixtures", path)
    spec = importlib.util.spec_from_loader(loader.name, loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


derive = load_derive()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- HTTP ------------------------------------------------------------------------------------------


def request(port, method, path, body=None, raw=None):
    """One HTTP exchange: (status, Content-Type, body bytes)."""
    data = raw.encode() if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as reply:
            return reply.status, reply.headers.get("Content-Type"), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type"), error.read()


def answer(status, content_type, body):
    """An HTTP answer as the traces record it."""
    out = {"status": status, "headers": {"Content-Type": content_type}}
    try:
        out["body"], out["body_is_json"] = json.loads(body), True
    except ValueError:
        out["body"], out["body_is_json"] = body.decode(errors="replace"), False
    return out


# --- servers ---------------------------------------------------------------------------------------


class Server:
    """A server process in its own session and folder; `stop` ends it and removes the folder."""

    def __init__(self, name, argv_for, folder, port=None):
        self.name, self.folder, self.port = name, folder, port or free_port()
        self.log = open(os.path.join(folder, "server.log"), "wb")
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            argv_for(self.port, folder), stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)
        self.ready_seconds = None

    def wait_ready(self, deadline_seconds):
        """Polls until the server answers HTTP; the time since the process started is kept."""
        end = time.monotonic() + deadline_seconds
        while time.monotonic() < end:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}: see {self.tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/queue", timeout=2) as reply:
                    if reply.status == 200:
                        self.ready_seconds = time.perf_counter() - self.started
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.02)
        raise RuntimeError(f"{self.name} did not answer within {deadline_seconds} s: {self.tail()}")

    def tail(self):
        self.log.flush()
        with open(os.path.join(self.folder, "server.log"), "rb") as f:
            return f.read()[-2000:].decode(errors="replace")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()


def comfyui_argv(comfyui_dir, python):
    def argv(port, folder):
        for sub in ("input", "output", "temp", "user"):
            os.makedirs(os.path.join(folder, sub), exist_ok=True)
        return [python, os.path.join(comfyui_dir, "main.py"), "--cpu", "--listen", "127.0.0.1",
                "--port", str(port), "--input-directory", os.path.join(folder, "input"),
                "--output-directory", os.path.join(folder, "output"),
                "--temp-directory", os.path.join(folder, "temp"),
                "--user-directory", os.path.join(folder, "user"),
                "--database-url", "sqlite:///" + os.path.join(folder, "user", "comfyui.db"),
                "--disable-auto-launch"]
    return argv


def mock_argv(binary):
    def argv(port, folder):
        return [binary, "mock", "--port", str(port), "--output-directory", folder,
                "--node-time", MOCK_NODE_TIME, "--progress-steps", MOCK_PROGRESS_STEPS]
    return argv


# --- WebSocket sessions ----------------------------------------------------------------------------


def binary_entry(data):
    """A binary frame as the traces describe it: event type and the PNG's size."""
    event = struct.unpack(">I", data[:4])[0]
    out = {"length": len(data), "event_type": event}
    if event == 4:
        meta_length = struct.unpack(">I", data[4:8])[0]
        out["metadata"] = json.loads(data[8:8 + meta_length])
        image = data[8 + meta_length:]
    else:
        out["image_format_code"] = struct.unpack(">I", data[4:8])[0]
        image = data[8:]
    if image[:8] == b"\x89PNG\r\n\x1a\n":
        out["png_width"], out["png_height"] = struct.unpack(">II", image[16:24])
    return out


class Session:
    """A WebSocket client recording every frame, in order, as a trace's `ws_messages`."""

    def __init__(self, port, client_id):
        url = f"ws://127.0.0.1:{port}/ws" + (f"?clientId={client_id}" if client_id else "")
        self.ws = websocket.create_connection(url, timeout=30)
        self.ws.settimeout(None)  # the reader waits as long as the session lasts; `close` ends it
        self.started = time.monotonic()
        self.entries, self.lock, self.changed = [], threading.Lock(), threading.Condition()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while True:
            try:
                opcode, data = self.ws.recv_data()
            except (websocket.WebSocketException, OSError):
                return
            t = round(time.monotonic() - self.started, 4)
            if opcode == websocket.ABNF.OPCODE_TEXT:
                entry = {"t": t, "frame": "text", "json": json.loads(data)}
            elif opcode == websocket.ABNF.OPCODE_BINARY:
                entry = {"t": t, "frame": "binary", "binary": binary_entry(data)}
            else:
                entry = {"t": t, "frame": "close"}
            with self.changed:
                self.entries.append(entry)
                self.changed.notify_all()
            if entry["frame"] == "close":
                return

    def send(self, value):
        self.ws.send(json.dumps(value))

    def wait_for(self, predicate, seconds=60):
        """Waits until a recorded text message satisfies `predicate`; True if one did."""
        end = time.monotonic() + seconds
        with self.changed:
            while not any(e["frame"] == "text" and predicate(e["json"]) for e in self.entries):
                left = end - time.monotonic()
                if left <= 0:
                    return False
                self.changed.wait(left)
        return True

    def quiet(self, seconds):
        """Waits until no frame arrived for `seconds`."""
        while True:
            with self.changed:
                count = len(self.entries)
                self.changed.wait(seconds)
                if len(self.entries) == count:
                    return

    def snapshot(self):
        with self.changed:
            return list(self.entries)

    def close(self):
        # The reader answers the server's close frame and stops; a dead server is cut off after 5 s.
        try:
            self.ws.send_close()
        except (websocket.WebSocketException, OSError):
            pass
        self.thread.join(5)
        self.ws.shutdown()


def done(prompt_id):
    return lambda m: (m.get("type") == "executing" and m["data"].get("node") is None
                      and m["data"].get("prompt_id") == prompt_id)


# --- scenarios -------------------------------------------------------------------------------------


def with_client(body, client_id):
    if isinstance(body, dict) and "client_id" in body:
        return dict(body, client_id=client_id)
    return body


def reset_cache(port):
    """As a user would between runs: POST /free; the real server empties its cache before the next prompt."""
    request(port, "POST", "/free", {"unload_models": True, "free_memory": True})
    time.sleep(0.3)


def play_prompt(port, fixture, client_id):
    reset_cache(port)
    trace = {"scenario": fixture["scenario"], "client_id": client_id, "client_events": []}
    session = Session(port, client_id)
    if fixture.get("sends_feature_flags"):
        flags = {"type": "feature_flags", "data": {"supports_preview_metadata": True}}
        session.send(flags)
        trace["client_events"].append({"event": "client_sent_ws_text", "data": flags})
        session.wait_for(lambda m: m.get("type") == "feature_flags", 10)
    session.wait_for(lambda m: m.get("type") == "status", 10)
    opening = len(session.snapshot())
    for before in fixture.get("before", []):
        status, _, body = request(port, "POST", "/prompt", with_client(before, client_id))
        if status == 200:
            session.wait_for(done(json.loads(body)["prompt_id"]))
    session.quiet(0.3)
    skipped = len(session.snapshot()) - opening
    body = with_client(fixture["request"], client_id)
    trace["post_prompt"] = dict(answer(*request(port, "POST", "/prompt", body)), request_body=body)
    if trace["post_prompt"]["status"] == 200:
        prompt_id = trace["post_prompt"]["body"]["prompt_id"]
        session.wait_for(done(prompt_id))
        trace["history_entry"] = answer(*request(port, "GET", f"/history/{prompt_id}"))
    session.quiet(0.3)
    session.close()
    entries = session.snapshot()
    trace["ws_messages"] = entries[:opening] + entries[opening + skipped:]
    return trace


def play_connect(port, fixture, client_id):
    client_id = client_id if fixture.get("client_id") else None
    trace = {"scenario": fixture["scenario"], "client_events": []}
    if client_id:
        trace["client_id"] = client_id
    session = Session(port, client_id)
    session.wait_for(lambda m: m.get("type") == "status", 10)
    if fixture.get("sends_feature_flags"):
        flags = {"type": "feature_flags", "data": {"supports_preview_metadata": True}}
        session.send(flags)
        trace["client_events"].append({"event": "client_sent_ws_text", "data": flags})
        session.wait_for(lambda m: m.get("type") == "feature_flags", 10)
    session.quiet(0.3)
    session.close()
    trace["ws_messages"] = session.snapshot()
    return trace


def play_bodies(port, fixture, client_id):
    responses = {}
    for name, expected in fixture["bodies"].items():
        sent = with_client(expected["request"], client_id)
        if isinstance(sent, str):
            reply = request(port, "POST", "/prompt", raw=sent)
        else:
            reply = request(port, "POST", "/prompt", sent)
        responses[name] = dict(answer(*reply), request_body=sent)
    return {"scenario": fixture["scenario"], "description": fixture["description"],
            "responses": responses}


def play_endpoints(port, fixture, client_id):
    trace = {}
    for path in fixture["endpoints"]:
        status, content_type, body = request(port, "GET", path)
        if path.startswith("/view"):
            trace["GET " + path] = {"status": status, "headers": {"Content-Type": content_type},
                                    "length": len(body)}
            continue
        trace[path] = dict(answer(status, content_type, body), method="GET", path=path)
        number_history(path, trace[path])
    return trace


def number_history(path, got):
    """History is keyed by prompt ids, which differ between any two servers: numbered in order instead."""
    if path.startswith("/history") and got["body_is_json"] and isinstance(got["body"], dict):
        got["body"] = {f"<prompt {n}>": v for n, v in enumerate(got["body"].values(), 1)}


def play(port, name, fixture, client_id):
    if "bodies" in fixture:
        trace = play_bodies(port, fixture, client_id)
    elif "endpoints" in fixture:
        trace = play_endpoints(port, fixture, client_id)
    elif "request" in fixture:
        trace = play_prompt(port, fixture, client_id)
    else:
        trace = play_connect(port, fixture, client_id)
    return normalise(name, trace, fixture)


def normalise(name, trace, fixture):
    """The recorded trace through the derive script's own `scenario()`, as the fixtures were made."""
    befores = {b: {"post_prompt": {"request_body": r}}
               for b, r in zip(derive.BEFORE.get(name, []), fixture.get("before", []))}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name + ".json")
        with open(path, "w") as f:
            json.dump(trace, f)
        return derive.scenario(path, befores)[1]


# --- comparison ------------------------------------------------------------------------------------


def category(path):
    top = path[0]
    if top == "status" or (top in ("bodies", "endpoints") and path[-1] == "status"):
        return "status"
    if top == "response" or (top == "bodies" and len(path) > 2 and path[2] == "response"):
        return "errors"
    if top == "history":
        return "history"
    if top == "messages":
        return "payloads"
    return "endpoints"


def walk(a, b, path, out):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in list(a) + [k for k in b if k not in a]:
            walk(a.get(key, "<absent>"), b.get(key, "<absent>"), path + [key], out)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            walk(x, y, path + [i], out)
    elif a != b:
        out.append((path, a, b))


def short(value, limit=150):
    text = json.dumps(value)
    return text if len(text) <= limit else text[:limit] + "…"


def without_requests(value):
    """The answers of a `bodies` scenario without the request each was given (an input)."""
    if isinstance(value, dict) and all(isinstance(v, dict) and "request" in v for v in value.values()):
        return {k: {kk: vv for kk, vv in v.items() if kk != "request"} for k, v in value.items()}
    return value


def compare(real, mock):
    """{category: [differing item, ...]} between two normalised scenarios."""
    found = {k: [] for k in ("types", "payloads", "status", "errors", "history", "endpoints")}
    real_types = [m.get("type") or f"binary {m.get('binary')}" for m in real.get("messages", [])]
    mock_types = [m.get("type") or f"binary {m.get('binary')}" for m in mock.get("messages", [])]
    if real_types != mock_types:
        for line in difflib.unified_diff(real_types, mock_types, "real", "mock", n=1, lineterm=""):
            if not line.startswith(("---", "+++")):
                found["types"].append(line)
    diffs = []
    for key in real.keys() | mock.keys():
        if key in INPUT_KEYS or (key == "messages" and real_types != mock_types):
            continue
        walk(without_requests(real.get(key, "<absent>")), without_requests(mock.get(key, "<absent>")),
             [key], diffs)
    for path, a, b in diffs:
        found[category(path)].append(f"{'.'.join(map(str, path))}: real {short(a)} / mock {short(b)}")
    return found


# --- requests beyond the traces --------------------------------------------------------------------

# Requests no trace recorded, compared answer by answer (status, Content-Type, body normalised as the
# derive script does: error bodies by error_body(), others by their shape). Those that clear the
# queue or the history come last.
PROBES = [
    ("POST", "/free", None, ""), ("POST", "/free", None, "not json"), ("POST", "/free", [], None),
    ("POST", "/free", {}, None), ("POST", "/interrupt", {}, None), ("POST", "/interrupt", None, ""),
    ("POST", "/prompt", {"prompt": {}, "prompt_id": "not-a-uuid"}, None),
    ("POST", "/prompt", {"prompt": {"1": {"class_type": "PreviewImage", "inputs": {}}}}, None),
    ("POST", "/prompt", {"prompt": {"1": {"class_type": "EmptyImage", "inputs": {}}}}, None),
    ("GET", "/view", None, None), ("GET", "/view?filename=missing.png", None, None),
    ("GET", "/view?filename=../secret.png&type=output", None, None),
    ("GET", "/view?filename=x.png&type=nosuchtype", None, None),
    ("GET", "/history?max_items=2", None, None), ("GET", "/history?max_items=x", None, None),
    ("GET", "/history?offset=1&max_items=1", None, None), ("GET", "/queue", None, None),
    ("GET", "/prompt", None, None), ("GET", "/no/such/path", None, None),
    ("GET", "/api/prompt", None, None), ("GET", "/ws", None, None),
    ("POST", "/upload/image", None, "not multipart"),
    ("POST", "/queue", {"delete": ["no-such-prompt"]}, None), ("POST", "/queue", {"clear": True}, None),
    ("POST", "/history", {"delete": ["no-such-prompt"]}, None),
    ("POST", "/history", {"clear": True}, None), ("GET", "/history", None, None),
]


def probe(port, method, path, body, raw):
    status, content_type, data = request(port, method, path, body, raw)
    got = answer(status, content_type, data)
    number_history(path, got)
    out = {"status": status, "content_type": content_type}
    if not got["body_is_json"]:
        out["text"] = got["body"]
    elif isinstance(got["body"], dict) and ("error" in got["body"] or "node_errors" in got["body"]):
        out["body"] = derive.error_body(got["body"])
    else:
        out["shape"] = derive.shape(got["body"])
    return out


# --- measurements ----------------------------------------------------------------------------------


def chain(length, color=0):
    """EmptyImage, `length - 2` ImageInverts, a PreviewImage: a valid model-free prompt of `length` nodes."""
    prompt = {"1": {"class_type": "EmptyImage",
                    "inputs": {"width": 8, "height": 8, "batch_size": 1, "color": color}}}
    for n in range(2, length):
        prompt[str(n)] = {"class_type": "ImageInvert", "inputs": {"image": [str(n - 1), 0]}}
    prompt[str(length)] = {"class_type": "PreviewImage", "inputs": {"images": [str(length - 1), 0]}}
    return prompt


def wait_idle(port):
    end = time.monotonic() + 120
    while time.monotonic() < end:
        _, _, body = request(port, "GET", "/queue")
        queue = json.loads(body)
        if not queue["queue_running"] and not queue["queue_pending"]:
            return
        time.sleep(0.01)
    raise RuntimeError(f"the queue on port {port} did not empty within 120 s")


def post_latency(port, length, runs):
    """Median seconds of POST /prompt (a fresh connection each), the server idle before each."""
    times = []
    for _ in range(runs):
        wait_idle(port)
        start = time.perf_counter()
        status, _, body = request(port, "POST", "/prompt", {"prompt": chain(length)})
        times.append(time.perf_counter() - start)
        if status != 200:
            raise RuntimeError(f"POST /prompt of {length} nodes on port {port}: {status} {body[:300]!r}")
    wait_idle(port)
    return statistics.median(times)


def end_to_end(port, runs):
    """Median seconds from POST /prompt to `executing` null, for a 3-node prompt nothing is cached of."""
    times = []
    client_id = uuid.uuid4().hex
    session = Session(port, client_id)
    session.wait_for(lambda m: m.get("type") == "status", 10)
    try:
        for run in range(runs):
            wait_idle(port)
            start = time.perf_counter()
            status, _, body = request(port, "POST", "/prompt",
                                      {"prompt": chain(3, color=run + 1), "client_id": client_id})
            if status != 200 or not session.wait_for(done(json.loads(body)["prompt_id"])):
                raise RuntimeError(f"prompt on port {port} did not finish: {status} {body[:300]!r}")
            times.append(time.perf_counter() - start)
    finally:
        session.close()
    return statistics.median(times)


# --- main ------------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faultline", required=True, help="the faultline binary")
    parser.add_argument("--comfyui-dir", required=True)
    parser.add_argument("--comfyui-python", required=True)
    parser.add_argument("--runs", type=int, default=20, help="samples per latency figure")
    parser.add_argument("--json", help="also write the comparison here as JSON")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    names = sorted(f[:-5] for f in os.listdir(GOLDEN) if f.endswith(".json"))
    fixtures = {n: json.load(open(os.path.join(GOLDEN, n + ".json"))) for n in names}
    commit = os.environ.get("COMFYUI_COMMIT") or subprocess.run(
        ["git", "-C", args.comfyui_dir, "rev-parse", "--short=8", "HEAD"],
        capture_output=True, text=True).stdout.strip()
    version = {}
    try:
        exec(open(os.path.join(args.comfyui_dir, "comfyui_version.py")).read(), version)
    except OSError:
        pass
    folders, servers = [], []
    try:
        for name, argv in (("ComfyUI", comfyui_argv(args.comfyui_dir, args.comfyui_python)),
                           ("mock", mock_argv(args.faultline))):
            folders.append(tempfile.mkdtemp(prefix=f"mock-vs-comfyui-{name}-"))
            # One after the other, so that neither start-up time includes the other's.
            servers.append(Server(name, argv, folders[-1]))
            servers[-1].wait_ready(300)
        real, mock = servers
        print(f"ComfyUI {version.get('__version__', '?')} {commit or '(commit unknown)'} on port "
              f"{real.port}; faultline mock on port {mock.port} (--node-time {MOCK_NODE_TIME} "
              f"--progress-steps {MOCK_PROGRESS_STEPS}); {time.strftime('%Y-%m-%d %H:%M %Z')}")
        print()
        results, identical, recorded_same = {}, 0, 0
        for name in names:
            client_id = uuid.uuid4().hex  # one per scenario, the same for both servers
            got_real = play(real.port, name, fixtures[name], client_id)
            got_mock = play(mock.port, name, fixtures[name], client_id)
            found = compare(got_real, got_mock)
            recorded = compare(got_real, fixtures[name])
            recorded_same += not any(recorded.values())
            results[name] = {"real_vs_mock": found, "real_vs_recorded": recorded}
            same = not any(found.values())
            identical += same
            marks = "  ".join(f"{k} {'ok' if not v else 'DIFF'}" for k, v in found.items())
            print(f"{'SAME' if same else 'DIFF'}  {name:44} {marks}")
            for kind, items in found.items():
                for item in items:
                    print(f"        [{kind}] {item}")
        print()
        print(f"total: {identical} of {len(names)} scenarios identical, {len(names) - identical} differing "
              f"(live ComfyUI vs its recorded traces: {recorded_same} of {len(names)} identical)")

        print()
        probes_same = 0
        for method, path, body, raw in PROBES:
            diffs = []
            walk(probe(real.port, method, path, body, raw), probe(mock.port, method, path, body, raw),
                 [], diffs)
            probes_same += not diffs
            sent = short(body if raw is None else raw, 60) if (body is not None or raw is not None) else ""
            print(f"{'SAME' if not diffs else 'DIFF'}  {method} {path} {sent}")
            for where, a, b in diffs:
                print(f"        {'.'.join(map(str, where))}: real {short(a)} / mock {short(b)}")
        print(f"requests beyond the traces: {probes_same} of {len(PROBES)} answered alike")

        print()
        small, large = 3, 100
        figures = [("time to first HTTP answer (s)", real.ready_seconds, mock.ready_seconds)]
        for length in (small, large):
            figures.append((f"POST /prompt, {length} nodes, median (ms)",
                            post_latency(real.port, length, args.runs) * 1000,
                            post_latency(mock.port, length, args.runs) * 1000))
        figures.append(("prompt end to end, 3 nodes, median (ms)",
                        end_to_end(real.port, args.runs) * 1000, end_to_end(mock.port, args.runs) * 1000))
        print(f"{'figure':44} {'ComfyUI':>10} {'mock':>10} {'mock/ComfyUI':>13}")
        for label, a, b in figures:
            print(f"{label:44} {a:10.2f} {b:10.2f} {b / a:13.3f}")
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"scenarios": results, "figures": figures}, f, indent=1)
        return 0
    finally:
        for server in servers:
            server.stop()
        for folder in folders:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
