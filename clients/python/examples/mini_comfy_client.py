"""A small ComfyUI client with real reconnection logic, written the way an application's client is:
the client under test in the example tests (not part of the helper module). WebSocket from the
websocket-client package.

Events (`on(name, callback)`): state (the new state), connected, disconnected (reason),
reconnecting (attempt), reconnected, reconnection_failed, message (every JSON message), and one per
message type (status, executing, execution_success, ...). States: idle, connecting, connected,
disconnected, reconnecting, failed, destroyed.
"""

from __future__ import annotations

import json
import random
import threading
import time
import urllib.request
import uuid
from collections import defaultdict
from typing import Any, Callable, Optional

import websocket


class MiniComfyClient:
    def __init__(self, base_url: str, client_id: Optional[str] = None, auto_reconnect: bool = False,
                 initial_delay: float = 0.1, max_delay: float = 1.0, max_attempts: float = float("inf"),
                 connect_timeout: float = 2.0, silence_timeout: Optional[float] = None,
                 on_reconnection_failed: Optional[Callable[[], None]] = None):
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id or uuid.uuid4().hex
        self.auto_reconnect = auto_reconnect
        self.initial_delay, self.max_delay, self.max_attempts = initial_delay, max_delay, max_attempts
        self.connect_timeout, self.silence_timeout = connect_timeout, silence_timeout
        self.on_reconnection_failed = on_reconnection_failed
        self.state = "idle"
        self._lock = threading.RLock()
        self._listeners: dict = defaultdict(list)
        self._socket: Optional[websocket.WebSocket] = None
        self._reconnecting = False

    # Events
    def on(self, name: str, callback: Callable) -> None:
        with self._lock:
            self._listeners[name].append(callback)

    def off(self, name: str, callback: Callable) -> None:
        with self._lock:
            if callback in self._listeners[name]:
                self._listeners[name].remove(callback)

    def _emit(self, name: str, value: Any = None) -> None:
        with self._lock:
            listeners = list(self._listeners[name])
        for callback in listeners:
            callback(value)

    def _set_state(self, state: str) -> None:
        with self._lock:
            if self.state == state or self.state == "destroyed":
                return
            self.state = state
        self._emit("state", state)

    def is_connected(self) -> bool:
        return self.state == "connected"

    # Connecting
    def connect(self) -> None:
        """Opens the WebSocket; raises when the server does not answer within connect_timeout."""
        self._establish("connecting", "connected")

    def reconnect(self) -> None:
        """A manual reconnection: a new socket, whatever the old one does."""
        self._drop_socket()
        self._establish("reconnecting", "reconnected")

    def _establish(self, state: str, event: str) -> None:
        self._set_state(state)
        try:
            self._open()
        except Exception:
            self._set_state("disconnected")
            raise
        self._set_state("connected")
        self._emit(event)
        self._listen()

    def _open(self) -> None:
        url = self.base_url.replace("http", "ws", 1) + f"/ws?clientId={self.client_id}"
        socket = websocket.create_connection(url, timeout=self.connect_timeout)
        # Short reads, so the reader notices silence and sends pings on time.
        socket.settimeout(0.1)
        with self._lock:
            self._socket = socket

    # Started only once the state says connected: a socket lost at once must be seen as lost
    # after the connection was announced, never before it.
    def _listen(self) -> None:
        with self._lock:
            socket = self._socket
        if socket is not None:
            threading.Thread(target=self._read, args=(socket,), daemon=True).start()

    def _read(self, socket: websocket.WebSocket) -> None:
        last_heard = last_ping = time.monotonic()
        reason = "closed"
        while True:
            with self._lock:
                if self._socket is not socket:
                    return
            try:
                opcode, data = socket.recv_data(control_frame=True)
                last_heard = time.monotonic()
                if opcode == websocket.ABNF.OPCODE_TEXT:
                    self._deliver(data)
                elif opcode == websocket.ABNF.OPCODE_CLOSE:
                    reason = "closed by the server"
                    break
            except websocket.WebSocketTimeoutException:
                pass
            except Exception as error:  # reset, EOF: the connection is gone
                reason = f"connection lost: {error}"
                break
            if self.silence_timeout:
                now = time.monotonic()
                if now - last_heard > self.silence_timeout:
                    reason = f"no frame for {self.silence_timeout} s"
                    break
                if now - last_ping > self.silence_timeout / 3:
                    last_ping = now
                    try:
                        socket.ping()
                    except Exception:
                        pass
        try:
            socket.close(timeout=0)
        except Exception:
            pass
        with self._lock:
            if self._socket is not socket:
                return
            self._socket = None
        self._lost(reason)

    def _deliver(self, data: bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            return
        self._emit("message", message)
        self._emit(message.get("type", ""), message.get("data"))

    def _drop_socket(self) -> None:
        with self._lock:
            socket, self._socket = self._socket, None
        if socket is not None:
            try:
                socket.abort()
            except Exception:
                pass

    def _lost(self, reason: str) -> None:
        if self.state == "destroyed":
            return
        self._set_state("disconnected")
        self._emit("disconnected", reason)
        if self.auto_reconnect:
            threading.Thread(target=self._reconnect_loop, daemon=True).start()

    def _reconnect_loop(self) -> None:
        with self._lock:
            if self._reconnecting:
                return
            self._reconnecting = True
        delay, attempt = self.initial_delay, 0
        while attempt < self.max_attempts and self.state != "destroyed":
            attempt += 1
            self._set_state("reconnecting")
            self._emit("reconnecting", attempt)
            try:
                self._open()
            except Exception:
                time.sleep(delay)
                delay = min(self.max_delay, delay * 2)
                continue
            # Done before the events: the new socket may already be lost again, and its loss must
            # start a loop of its own rather than find this one still running.
            with self._lock:
                self._reconnecting = False
            self._set_state("connected")
            self._emit("reconnected")
            self._listen()
            return
        with self._lock:
            self._reconnecting = False
        if self.state == "destroyed":
            return
        self._set_state("failed")
        self._emit("reconnection_failed")
        if self.on_reconnection_failed:
            self.on_reconnection_failed()

    # HTTP
    def validate_connection(self, timeout: float = 2.0) -> bool:
        """True when the server answers its HTTP API within `timeout` s."""
        try:
            with urllib.request.urlopen(self.base_url + "/system_stats", timeout=timeout) as response:
                response.read()
                return response.status == 200
        except Exception:
            return False

    def queue_prompt(self, prompt: dict) -> str:
        body = json.dumps({"prompt": prompt, "client_id": self.client_id}).encode()
        request = urllib.request.Request(self.base_url + "/prompt", data=body, method="POST",
                                         headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.loads(response.read())["prompt_id"]

    def wait_for_prompt(self, prompt_id: str, timeout: float = 20.0) -> dict:
        """Waits until the prompt finished and returns its history entry. The end is `executing`
        with node None for our prompt: ComfyUI sends it after it stored the history entry, whereas
        execution_success comes before, so reading /history on that one races the server."""
        done = threading.Event()

        def listener(data: Any) -> None:
            if data and data.get("node") is None and data.get("prompt_id") == prompt_id:
                done.set()

        self.on("executing", listener)
        try:
            if not done.wait(timeout):
                raise TimeoutError(f"prompt {prompt_id} did not finish within {timeout} s")
        finally:
            self.off("executing", listener)
        with urllib.request.urlopen(f"{self.base_url}/history/{prompt_id}", timeout=5) as response:
            return json.loads(response.read())[prompt_id]

    def destroy(self) -> None:
        self._set_state("destroyed")
        with self._lock:
            self.state = "destroyed"
        self._drop_socket()


def text_to_image() -> dict:
    """The text-to-image graph the mock runs, with a new seed each time, as the UI sends it."""
    return {
        "3": {"class_type": "KSampler", "inputs": {
            "seed": random.randrange(10**9), "steps": 4, "cfg": 8, "sampler_name": "euler",
            "scheduler": "normal", "denoise": 1, "model": ["4", 0], "positive": ["6", 0],
            "negative": ["7", 0], "latent_image": ["5", 0]}},
        "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
        "5": {"class_type": "EmptyLatentImage", "inputs": {"width": 512, "height": 512, "batch_size": 1}},
        "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "a lighthouse in a storm", "clip": ["4", 1]}},
        "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["4", 1]}},
        "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
        "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "ComfyUI", "images": ["8", 0]}},
    }
