"""1,000 WebSocket clients reconnecting at once to a restarted mock.

  mock_storm.py BINARY [CLIENTS]

Starts `BINARY mock`, connects CLIENTS raw WebSocket clients (each its own clientId) and waits for each
one's `status` greeting; stops the mock with SIGTERM and starts a new one on the same port; every
client sees its socket end, then all reconnect at the same moment (non-blocking connects, one
selector). Prints the time until every client has its greeting again, then posts a prompt and checks
that every connected client receives the `status` broadcast it causes (queue_remaining 1).
"""
import base64
import json
import os
import selectors
import socket
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402
import wsclient  # noqa: E402


def start_mock(binary, port):
    process = subprocess.Popen([binary, "mock", "--port", str(port), "--status-interval", "0", "--exit-with-parent"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    ready = json.loads(process.stdout.readline())
    return process, int(ready.get("port") or ready["listen"].rsplit(":", 1)[1])


def connect_all(port, count, deadline_seconds=120):
    """Opens every client at once; returns ({index: socket}, {index: received bytes}, seconds until every
    client has its greeting)."""
    selector = selectors.DefaultSelector()
    sockets, buffers, greeted = {}, {}, set()
    start = time.perf_counter()
    for index in range(count):
        client = socket.socket()
        client.setblocking(False)
        client.connect_ex(("127.0.0.1", port))
        sockets[index], buffers[index] = client, b""
        selector.register(client, selectors.EVENT_WRITE, index)
    sent_upgrade = set()
    deadline = start + deadline_seconds
    while len(greeted) < count and time.perf_counter() < deadline:
        for key, events in selector.select(timeout=0.5):
            index, client = key.data, key.fileobj
            if index not in sent_upgrade:
                if client.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    # Refused or reset: try again, as a reconnecting client would.
                    selector.unregister(client)
                    client.close()
                    client = socket.socket()
                    client.setblocking(False)
                    client.connect_ex(("127.0.0.1", port))
                    sockets[index] = client
                    selector.register(client, selectors.EVENT_WRITE, index)
                    continue
                key_text = base64.b64encode(os.urandom(16)).decode()
                client.send((f"GET /ws?clientId=storm{index} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                             f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key_text}\r\n"
                             f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
                sent_upgrade.add(index)
                selector.modify(client, selectors.EVENT_READ, index)
                continue
            try:
                data = client.recv(65536)
            except BlockingIOError:
                continue
            buffers[index] += data
            if b'"status"' in buffers[index]:
                greeted.add(index)
    elapsed = time.perf_counter() - start
    for index in sockets:
        if index in sent_upgrade:
            selector.unregister(sockets[index])
    selector.close()
    return sockets, buffers, len(greeted), elapsed


def wait_for(sockets, buffers, marker, deadline_seconds=60):
    selector = selectors.DefaultSelector()
    for index, client in sockets.items():
        selector.register(client, selectors.EVENT_READ, index)
    deadline = time.perf_counter() + deadline_seconds
    got = {index for index, data in buffers.items() if marker in data}
    ended = set()
    while len(got) + len(ended - got) < len(sockets) and time.perf_counter() < deadline:
        for key, _ in selector.select(timeout=0.5):
            try:
                data = key.fileobj.recv(65536)
            except (BlockingIOError, ConnectionError):
                continue
            if not data:
                ended.add(key.data)
                selector.unregister(key.fileobj)
                continue
            buffers[key.data] += data
            if marker in buffers[key.data]:
                got.add(key.data)
    selector.close()
    return got, ended


def main():
    binary = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
    common.raise_descriptor_limit(count * 2 + 100)
    mock, port = start_mock(binary, 0)
    sockets, buffers, greeted, first_seconds = connect_all(port, count)
    print(json.dumps({"phase": "first connect", "clients": count, "greeted": greeted,
                      "seconds": round(first_seconds, 2)}), flush=True)
    for index in buffers:
        buffers[index] = b""
    restart_start = time.perf_counter()
    mock.terminate()
    mock.wait(timeout=30)
    # Every client sees its socket end (a close frame with 1001, or EOF) before reconnecting.
    _, ended = wait_for(sockets, buffers, b"\x88", deadline_seconds=30)
    closed_with_1001 = sum(b"\x03\xe9" in data for data in buffers.values())
    for client in sockets.values():
        client.close()
    mock, _ = start_mock(binary, port)
    sockets, buffers, greeted, storm_seconds = connect_all(port, count)
    print(json.dumps({"phase": "storm reconnect", "clients": count, "saw_close_1001": closed_with_1001,
                      "greeted": greeted, "all_connected_seconds": round(storm_seconds, 3),
                      "restart_to_all_connected_seconds": round(time.perf_counter() - restart_start, 3)}),
          flush=True)
    for index in buffers:
        buffers[index] = b""
    body = json.dumps({"prompt": json.load(open(os.path.join(os.path.dirname(__file__), "..",
                                                             "workflow.json")))}).encode()
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/prompt", data=body)).read()
    got, ended = wait_for(sockets, buffers, b'"queue_remaining": 1')
    summary = {"summary": True, "clients": count, "reconnected": greeted,
               "all_connected_seconds": round(storm_seconds, 3), "status_received": len(got),
               "status_lost": count - len(got), "mock_rss_mib": round(common.rss_kib(mock.pid) / 1024, 1)}
    print(json.dumps(summary), flush=True)
    for client in sockets.values():
        client.close()
    mock.terminate()
    mock.wait(timeout=30)
    return 0 if greeted == count and len(got) == count else 1


if __name__ == "__main__":
    sys.exit(main())
