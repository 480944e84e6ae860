"""A ComfyUI client with known reaction times, for measuring `faultline compare --client` itself.

Python standard library only (its own small WebSocket client), so that nothing hides its timing. It
connects to /ws?clientId=..., keeps a prompt running (--prompt), and reacts to a failure exactly as
told: a dropped connection is seen at once; a silent one --silence-timeout seconds after its last
message (0: never, the client then waits forever on a half-open connection); it reconnects
--reconnect-delay seconds after it noticed, retrying every 0.1 s. After a reconnect it reads /history
and /queue (--check).

Prompts are queued on a thread of their own, so the silence deadline keeps counting while a
`POST /prompt` waits for its answer (a failure that holds the answer must not hold the watch too),
over one keep-alive connection per session opened with the session: a prompt queued the moment a
failure begins opens no connection of its own, so the first connection after a failure is the
client's reconnection, as measured.

It prints the JSON lines of Faultline's client protocol (docs/other-languages.md): connected,
disconnected, reconnected, prompt_queued, prompt_done.

Usage: python3 scripted_client.py [--silence-timeout S] [--reconnect-delay S] [--prompt] [--check] [URL]
(URL defaults to $COMFY_URL).
"""
import argparse
import base64
import json
import os
import socket
import struct
import sys
import threading
import time
import http.client
import urllib.parse
import uuid

WORKFLOW = {
    "3": {"class_type": "KSampler", "inputs": {"cfg": 8, "denoise": 1, "latent_image": ["5", 0], "model": ["4", 0],
          "negative": ["7", 0], "positive": ["6", 0], "sampler_name": "euler", "scheduler": "normal",
          "seed": 8566257, "steps": 20}},
    "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
    "5": {"class_type": "EmptyLatentImage", "inputs": {"batch_size": 1, "height": 512, "width": 512}},
    "6": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "a lighthouse at dusk"}},
    "7": {"class_type": "CLIPTextEncode", "inputs": {"clip": ["4", 1], "text": "blurry"}},
    "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
    "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "scripted", "images": ["8", 0]}},
}


SAY_LOCK = threading.Lock()


def say(event, **fields):
    # time_ns: when it happened by the client's own CLOCK_MONOTONIC (time.monotonic_ns on Linux), so
    # that a reader starved on a loaded machine still places the event where it happened.
    with SAY_LOCK:
        print(json.dumps({"event": event, "time_ns": time.monotonic_ns(), **fields}), flush=True)


class Closed(Exception):
    pass


class WebSocket:
    """Just enough of RFC 6455 for a ComfyUI client: text and binary frames in, pings answered."""

    def __init__(self, host, port, path, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise Closed("closed during the handshake")
            head += chunk
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise Closed("handshake refused: " + head.split(b"\r\n", 1)[0].decode(errors="replace"))

    def _exactly(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise Closed("connection closed")
            data += chunk
        return data

    def _send(self, opcode, payload):
        mask = os.urandom(4)
        header = bytes([0x80 | opcode])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        else:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def receive(self, timeout):
        """The next text message (binary ones are skipped); socket.timeout after `timeout` s of silence."""
        self.sock.settimeout(timeout)
        while True:
            first, second = self._exactly(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._exactly(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._exactly(8))[0]
            payload = self._exactly(length)
            opcode = first & 0x0F
            if opcode == 1:
                return payload.decode()
            if opcode == 8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
                raise Closed(f"close frame {code}")
            if opcode == 9:
                self._send(10, payload)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("url", nargs="?", default=os.environ.get("COMFY_URL"))
    parser.add_argument("--silence-timeout", type=float, default=0.0)
    parser.add_argument("--reconnect-delay", type=float, default=0.0)
    parser.add_argument("--prompt", action="store_true")
    parser.add_argument("--check", action="store_true")
    options = parser.parse_args()
    if not options.url:
        sys.exit("scripted_client: no URL (argument or COMFY_URL)")
    url = urllib.parse.urlparse(options.url)
    client_id = str(uuid.uuid4())

    def request(api, method, path, body=None):
        if api.sock is None:
            raise OSError("this session's HTTP connection is closed")
        data = json.dumps(body).encode() if body is not None else None
        api.request(method, path, body=data, headers={"Content-Type": "application/json"})
        answer = api.getresponse()
        text = answer.read()
        if answer.status != 200:
            raise OSError(f"{method} {path}: HTTP {answer.status}")
        return json.loads(text or b"null")

    class Prompts:
        """The session's prompts: one queued at a time, the next when the last one finished."""

        def __init__(self, api):
            self.api = api
            self.lock = threading.Lock()
            self.running = None
            self.finished = set()  # finished before their POST's answer was read
            self.ended = False

        def queue_next(self):
            if options.prompt:
                threading.Thread(target=self._queue, daemon=True).start()

        def _queue(self):
            with self.lock:
                # A new seed each time: the server's cache would otherwise finish an unchanged
                # prompt at once.
                WORKFLOW["3"]["inputs"]["seed"] += 1
                body = {"prompt": WORKFLOW, "client_id": client_id}
            try:
                prompt_id = request(self.api, "POST", "/prompt", body)["prompt_id"]
            except Exception as error:  # the server may be down right now
                say("prompt_failed", detail=str(error))
                return
            say("prompt_queued", prompt_id=prompt_id)
            with self.lock:
                if self.ended:
                    return
                if prompt_id not in self.finished:
                    self.running = prompt_id
                    return
            self.done(prompt_id)

        def saw_end(self, prompt_id):
            with self.lock:
                if prompt_id != self.running:
                    self.finished.add(prompt_id)
                    return
                self.running = None
            self.done(prompt_id)

        def done(self, prompt_id):
            say("prompt_done", prompt_id=prompt_id)
            self.queue_next()

        def end(self):
            with self.lock:
                self.ended = True
            self.api.close()

    connected_before = False
    while True:
        try:
            ws = WebSocket(url.hostname, url.port, f"/ws?clientId={client_id}", timeout=2)
        except (OSError, Closed):
            time.sleep(0.1)
            continue
        say("reconnected" if connected_before else "connected", client_id=client_id)
        # This session's HTTP connection. A request that fails leaves it closed for the rest of
        # the session: reopening it would be a connection the failure did not ask for.
        api = http.client.HTTPConnection(url.hostname, url.port, timeout=2)
        try:
            api.connect()
        except OSError:
            pass
        api.auto_open = 0
        if connected_before and options.check:
            for path in ("/history", "/queue"):
                try:
                    request(api, "GET", path)
                except Exception:
                    api.close()
        connected_before = True
        prompts = Prompts(api)
        prompts.queue_next()
        try:
            while True:
                message = json.loads(ws.receive(options.silence_timeout or None))
                data = message.get("data", {})
                if message.get("type") == "executing" and data.get("node") is None:
                    prompts.saw_end(data.get("prompt_id"))
        except socket.timeout:
            say("disconnected", detail=f"no message for {options.silence_timeout} s")
        except (OSError, Closed) as error:
            say("disconnected", detail=str(error))
        ws.close()
        prompts.end()
        time.sleep(options.reconnect_delay)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
