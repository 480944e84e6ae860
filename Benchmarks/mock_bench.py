"""Measurements for Benchmarks/mock-bench.sh (standard library only).

  spawn BIN N          -> median/min/max milliseconds from spawning `BIN mock --port 0` to its ready line
  broadcast HOST:PORT N -> N raw WebSocket clients; milliseconds from the POST /prompt that triggers a
                          `status` broadcast until every client has received it
"""
import base64
import json
import os
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import time
import urllib.request


def spawn(binary, runs):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        child = subprocess.Popen([binary, "mock", "--port", "0", "--status-interval", "0", "--exit-with-parent"],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        line = child.stdout.readline()
        elapsed = (time.perf_counter() - start) * 1000
        ready = json.loads(line)
        assert ready["ready"] is True, line
        child.terminate()
        child.wait(timeout=5)
        times.append(elapsed)
    print(json.dumps({"runs": runs, "median_ms": round(statistics.median(times), 2),
                      "min_ms": round(min(times), 2), "max_ms": round(max(times), 2)}))


def broadcast(address, count):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, count * 2 + 64)), hard))
    host, port = address.rsplit(":", 1)
    selector = selectors.DefaultSelector()
    buffers = {}
    for index in range(count):
        connection = socket.create_connection((host, int(port)))
        key = base64.b64encode(os.urandom(16)).decode()
        connection.sendall((f"GET /ws?clientId=bench{index} HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\n"
                            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
        connection.setblocking(False)
        selector.register(connection, selectors.EVENT_READ, index)
        buffers[index] = b""

    def pump(until, deadline):
        while not until() and time.perf_counter() < deadline:
            for key, _ in selector.select(timeout=0.5):
                try:
                    data = key.fileobj.recv(65536)
                except BlockingIOError:
                    continue
                buffers[key.data] += data

    # Every client has its greeting `status` (with its sid) before the measured broadcast.
    pump(lambda: all(b'"sid"' in b for b in buffers.values()), time.perf_counter() + 60)
    assert all(b'"sid"' in b for b in buffers.values()), "not every client connected"
    for index in buffers:
        buffers[index] = b""
    marker = b'"queue_remaining": 1'
    body = json.dumps({"prompt": json.load(open(os.path.join(os.path.dirname(__file__), "workflow.json")))}).encode()
    start = time.perf_counter()
    urllib.request.urlopen(urllib.request.Request(f"http://{address}/prompt", data=body)).read()
    pump(lambda: all(marker in b for b in buffers.values()), time.perf_counter() + 60)
    elapsed = (time.perf_counter() - start) * 1000
    received = sum(marker in b for b in buffers.values())
    print(json.dumps({"clients": count, "received": received, "all_received_ms": round(elapsed, 2)}))
    for key in list(selector.get_map().values()):
        key.fileobj.close()


if __name__ == "__main__":
    if sys.argv[1] == "spawn":
        spawn(sys.argv[2], int(sys.argv[3]))
    else:
        broadcast(sys.argv[2], int(sys.argv[3]))
