"""Faultline for Python tests: starts `faultline up`, crashes and restarts its mock ComfyUI servers,
changes the proxy's faults, and waits for what a client does. Standard library only.

The pytest fixture is in `faultline.pytest_plugin`; the guide is docs/other-languages.md.
"""

from __future__ import annotations

import atexit
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
from urllib.parse import urlparse

__all__ = [
    "Faultline", "FaultlineError", "poll_until", "wait_for_connection", "wait_for_disconnection",
    "track_event", "wait_for_event", "EventTracker",
]


class FaultlineError(Exception):
    """What was being done and what went wrong; `status` is the HTTP status of a refused API call."""

    def __init__(self, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.status = status


def poll_until(condition: Callable[[], Any], timeout: float = 10.0, interval: float = 0.025,
               what: str = "the condition") -> Any:
    """Calls `condition` every `interval` s until it returns something truthy, and returns it;
    raises FaultlineError naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise FaultlineError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(min(interval, max(0.0, deadline - time.monotonic())))


def _is_connected(client: Any) -> bool:
    probe = getattr(client, "is_connected", None)
    if callable(probe):
        return bool(probe())
    if isinstance(getattr(client, "connected", None), bool):
        return client.connected
    return getattr(client, "state", None) == "connected"


def wait_for_connection(client: Any, timeout: float = 10.0) -> None:
    """Waits until the client says it is connected (`is_connected()`, `connected` or `state`)."""
    poll_until(lambda: _is_connected(client), timeout, what="the client to connect")


def wait_for_disconnection(client: Any, timeout: float = 10.0) -> None:
    """Waits until the client says it is not connected."""
    poll_until(lambda: not _is_connected(client), timeout, what="the client to disconnect")


@dataclass
class EventTracker:
    """Every `name` event since it was made, with its arrival time (time.monotonic())."""

    name: str
    events: list = field(default_factory=list)
    _unsubscribe: Callable[[], None] = lambda: None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _record(self, value: Any = None) -> None:
        with self._lock:
            self.events.append((value, time.monotonic()))

    def did_fire(self) -> bool:
        return self.count() > 0

    def count(self) -> int:
        with self._lock:
            return len(self.events)

    def wait(self, count: int = 1, timeout: float = 10.0) -> list:
        """Waits until `count` events have arrived; returns them."""
        poll_until(lambda: self.count() >= count, timeout, what=f'{count} "{self.name}" event(s)')
        with self._lock:
            return list(self.events)

    def cleanup(self) -> None:
        self._unsubscribe()


def track_event(emitter: Any, name: str) -> EventTracker:
    """Records every `name` event of `emitter` (anything with `on(name, callback)` and
    `off(name, callback)`) from now on. Subscribe before the action you want to see the effect of."""
    tracker = EventTracker(name)
    emitter.on(name, tracker._record)
    tracker._unsubscribe = lambda: emitter.off(name, tracker._record)
    return tracker


def wait_for_event(emitter: Any, name: str, timeout: float = 10.0) -> Any:
    """Waits for the next `name` event and returns its value."""
    tracker = track_event(emitter, name)
    try:
        return tracker.wait(1, timeout)[0][0]
    finally:
        tracker.cleanup()


# Processes started here, killed if the interpreter exits without stopping them (the
# --exit-with-parent pipe covers a runner that is killed outright).
_running: set = set()
atexit.register(lambda: [process.kill() for process in list(_running)])


class Faultline:
    """A running `faultline up`: a mock ComfyUI server behind a fault-injecting proxy, and the
    control API that manages both. Start it with `Faultline.start()`, end it with `stop()`."""

    def __init__(self, process: subprocess.Popen, ready: dict):
        self.process = process
        self.ready = ready
        #: What the client under test uses: the proxy in front of the server.
        self.proxy_url: str = ready["proxy"]
        #: The same server without faults.
        self.server_url: str = ready["server"]
        self.api_url: str = ready["api"]
        #: The port of `up`'s own server, behind the proxy: the default of every server call.
        self.server_port: int = urlparse(ready["server"]).port
        self.proxy_name: str = ready.get("proxy_name", "comfy")
        self.seed = ready.get("seed")

    @classmethod
    def start(cls, args: tuple = (), binary: Optional[str] = None, ready_timeout: float = 60.0) -> "Faultline":
        """Starts `faultline up` (binary: $FAULTLINE_BIN or `faultline` on PATH) with more `up`
        arguments, e.g. ("--profile", "profiles/3g.yaml"), and returns once it is ready."""
        binary = binary or os.environ.get("FAULTLINE_BIN") or "faultline"
        try:
            process = subprocess.Popen([binary, "up", "--exit-with-parent", *args], stdin=subprocess.PIPE,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        except OSError as error:
            raise FaultlineError(f"could not start {binary}: {error}") from error
        _running.add(process)
        line: list = []
        reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(ready_timeout)
        if not line or not line[0]:
            process.kill()
            _running.discard(process)
            _, errors = process.communicate(timeout=10)
            state = "printed no ready line" if not line else f"exited with {process.returncode}"
            raise FaultlineError(f"faultline up {state}: {errors.strip()[-2000:]}")
        # Keep draining stderr so a chatty `up` never blocks on a full pipe.
        threading.Thread(target=process.stderr.read, daemon=True).start()
        return cls(process, json.loads(line[0]))

    def stop(self, timeout: float = 10.0) -> None:
        """Ends `faultline up` (SIGTERM) and with it every server it started."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        _running.discard(self.process)

    def __enter__(self) -> "Faultline":
        return self

    def __exit__(self, *_: Any) -> None:
        self.stop()

    def request(self, method: str, path: str, body: Any = None, timeout: float = 30.0,
                allow_404: bool = False) -> Any:
        """One control-API call: JSON (or YAML text) in, JSON out (None for 204)."""
        headers = {}
        data = None
        if isinstance(body, str):
            data, headers["Content-Type"] = body.encode(), "text/plain"
        elif body is not None:
            data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
        request = urllib.request.Request(self.api_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as error:
            if error.code == 404 and allow_404:
                return None
            text = error.read().decode()
            try:
                message = json.loads(text).get("error", text)
            except ValueError:
                message = text
            raise FaultlineError(f"{method} {path}: HTTP {error.code}: {message}", error.code) from None
        except OSError as error:
            raise FaultlineError(f"{method} {path}: {error}") from error
        return json.loads(text) if text else None

    # The servers' life: each server is known by its port; answers are its status
    # {port, pid, running, paused, url, exit}. Every call returns once the signal has had its effect.

    def start_server(self, port: int = 0) -> dict:
        """A new `faultline mock` (port 0: a free one)."""
        return self.request("POST", "/faultline/servers", {"port": port} if port else {})

    def stop_server(self, port: Optional[int] = None) -> dict:
        """SIGTERM (the mock says goodbye with close code 1001), SIGKILL after a grace period."""
        return self.request("POST", f"/faultline/servers/{port or self.server_port}/stop")

    def kill_server(self, port: Optional[int] = None) -> dict:
        """SIGKILL: a crash, no goodbye."""
        return self.request("POST", f"/faultline/servers/{port or self.server_port}/kill")

    def pause_server(self, port: Optional[int] = None) -> dict:
        """SIGSTOP: sockets stay open, nothing answers."""
        return self.request("POST", f"/faultline/servers/{port or self.server_port}/pause")

    def resume_server(self, port: Optional[int] = None) -> dict:
        """SIGCONT."""
        return self.request("POST", f"/faultline/servers/{port or self.server_port}/resume")

    def restart_server(self, port: Optional[int] = None, delay_ms: int = 0, method: str = "terminate") -> dict:
        """Ends the server (`method`: terminate or kill), waits `delay_ms`, starts a new one on the same port."""
        return self.request("POST", f"/faultline/servers/{port or self.server_port}/restart",
                            {"delay_ms": delay_ms, "method": method})

    def kill_all(self) -> None:
        """Stops every server."""
        self.request("DELETE", "/faultline/servers")

    def list_servers(self) -> list:
        return self.request("GET", "/faultline/servers")["servers"]

    def get_server(self, port: Optional[int] = None) -> Optional[dict]:
        """The status of the server on `port`, or None when none is managed there."""
        return self.request("GET", f"/faultline/servers/{port or self.server_port}", allow_404=True)

    def is_running(self, port: Optional[int] = None) -> bool:
        """True while a server runs on `port` (paused counts as running)."""
        status = self.get_server(port)
        return bool(status and status.get("running"))

    # Faults, through Toxiproxy's API (docs/control-api.md) and our profile route.

    def add_toxic(self, toxic: dict, proxy: Optional[str] = None) -> dict:
        """E.g. {"type": "latency", "stream": "downstream", "attributes": {"latency": 300}}."""
        return self.request("POST", f"/proxies/{proxy or self.proxy_name}/toxics", toxic)

    def remove_toxic(self, name: str, proxy: Optional[str] = None) -> None:
        self.request("DELETE", f"/proxies/{proxy or self.proxy_name}/toxics/{name}")

    def toxics(self, proxy: Optional[str] = None) -> list:
        return self.request("GET", f"/proxies/{proxy or self.proxy_name}/toxics")

    def clear_toxics(self, proxy: Optional[str] = None) -> None:
        for toxic in self.toxics(proxy):
            self.remove_toxic(toxic["name"], proxy)

    def set_proxy_enabled(self, enabled: bool, proxy: Optional[str] = None) -> dict:
        """A disabled proxy refuses connections and closes the ones it has."""
        return self.request("POST", f"/proxies/{proxy or self.proxy_name}", {"enabled": enabled})

    def load_profile(self, yaml: str, proxy: Optional[str] = None) -> dict:
        """Replaces the proxy's faults with a profile (YAML text); its timeline starts now."""
        return self.request("POST", f"/faultline/proxies/{proxy or self.proxy_name}/profile", yaml)

    def create_proxy(self, name: str, upstream_port: int) -> str:
        """A new proxy in front of `upstream_port`; returns its URL."""
        proxy = self.request("POST", "/proxies", {"name": name, "listen": "127.0.0.1:0",
                                                  "upstream": f"127.0.0.1:{upstream_port}", "enabled": True})
        return f"http://{proxy['listen']}"
