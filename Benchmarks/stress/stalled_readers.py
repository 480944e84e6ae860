"""Thousands of connections through one proxy whose server stops reading: the proxy's buffered bytes
must stay within its engine bound (256 MiB by default) instead of a high-water mark (1 MiB) each.

  stalled_readers.py BINARY CONNECTIONS [MIB_PER_CONNECTION]

A server process accepts and does not read; each client pushes up to MIB_PER_CONNECTION (default 4)
without blocking until nothing more is taken. Then the proxy's held bytes and RSS are read, the server
starts reading, and every byte must arrive. Prints JSON lines and a summary.
"""
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402


def serve(count):
    """The server side: accepts `count` connections and reads nothing until SIGUSR1; then reads
    everything to EOF and prints the total."""
    common.raise_descriptor_limit(count + 64)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    listener.bind(("127.0.0.1", 0))
    listener.listen(4096)
    print(listener.getsockname()[1], flush=True)
    go = [False]
    signal.signal(signal.SIGUSR1, lambda *_: go.__setitem__(0, True))
    accepted = []
    listener.setblocking(False)
    while not go[0]:
        try:
            connection, _ = listener.accept()
            accepted.append(connection)
        except BlockingIOError:
            time.sleep(0.01)
    while True:
        try:
            accepted.append(listener.accept()[0])
        except BlockingIOError:
            break
    selector = selectors.DefaultSelector()
    for connection in accepted:
        connection.setblocking(False)
        selector.register(connection, selectors.EVENT_READ)
    total, open_count = 0, len(accepted)
    deadline = time.time() + 600
    while open_count and time.time() < deadline:
        for key, _ in selector.select(timeout=1):
            try:
                data = key.fileobj.recv(1 << 20)
            except (BlockingIOError, InterruptedError):
                continue
            except ConnectionError:
                data = b""
            if data:
                total += len(data)
            else:
                selector.unregister(key.fileobj)
                key.fileobj.close()
                open_count -= 1
    print(json.dumps({"server_received": total, "server_unfinished": open_count}), flush=True)


def main():
    binary, wanted = sys.argv[1], int(sys.argv[2])
    per_connection = int(float(sys.argv[3]) * (1 << 20)) if len(sys.argv) > 3 else 4 << 20
    soft, hard = common.raise_descriptor_limit(2 * wanted + 200)
    # The proxy holds two descriptors per connection.
    count = min(wanted, (soft - 100) // 2)
    if count < wanted:
        print(json.dumps({"note": f"{count} connections, not {wanted}: the proxy needs two descriptors "
                                  f"each and the limit is {soft}"}), flush=True)
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(count)], stdout=subprocess.PIPE)
    server_port = int(server.stdout.readline())
    proxy = common.Proxy(binary, server_port)
    baseline_rss = common.rss_kib(proxy.pid)
    clients = []
    for _ in range(count):
        client = socket.socket()
        client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 16384)
        client.connect(("127.0.0.1", proxy.port))
        client.setblocking(False)
        clients.append(client)
    block = os.urandom(64 * 1024)
    pushed = [0] * count
    start = time.perf_counter()
    # Push until a whole pass moves less than one block per hundred connections, or a minute passes.
    while time.perf_counter() - start < 60:
        moved = 0
        for index, client in enumerate(clients):
            room = per_connection - pushed[index]
            if room <= 0:
                continue
            try:
                sent = client.send(block[:room])
            except BlockingIOError:
                continue
            pushed[index] += sent
            moved += sent
        if moved < len(block) * max(count // 100, 1):
            time.sleep(0.2)
            if moved == 0:
                break
    held = proxy.held_bytes()
    rss = common.rss_kib(proxy.pid)
    total_pushed = sum(pushed)
    print(json.dumps({"connections": count, "pushed_mib": round(total_pushed / 2**20, 1),
                      "proxy_held_mib": round(held / 2**20, 1), "proxy_rss_mib": round(rss / 1024, 1),
                      "proxy_rss_before_mib": round(baseline_rss / 1024, 1),
                      "per_connection_marks_would_allow_mib": count}), flush=True)
    # Now the server reads: every pushed byte must arrive.
    for client in clients:
        client.setblocking(True)
        client.shutdown(socket.SHUT_WR)
    server.send_signal(signal.SIGUSR1)
    result = json.loads(server.stdout.readline())
    for client in clients:
        client.close()
    proxy.stop()
    server.wait(timeout=30)
    summary = {"summary": True, "connections": count, "proxy_held_mib": round(held / 2**20, 1),
               "proxy_rss_mib": round(rss / 1024, 1), "pushed": total_pushed,
               "delivered": result["server_received"], "intact_count": result["server_received"] == total_pushed}
    print(json.dumps(summary), flush=True)
    return 0 if summary["intact_count"] and held <= (256 << 20) + count * 4096 + (1 << 20) else 1


if __name__ == "__main__":
    if sys.argv[1] == "--serve":
        serve(int(sys.argv[2]))
    else:
        sys.exit(main())
