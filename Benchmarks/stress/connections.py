"""Many concurrent connections through one proxy: nothing refused below the descriptor limit, RSS per
connection idle and with traffic, and everything back to its start after they close.

  connections.py BINARY WANTED [ROUNDS]

WANTED connections (capped by the descriptor limit: the proxy holds two per connection; the cap is
printed) go through `faultline proxy` to a selector echo server in its own process. Each one round
trips 1 byte first (so its upstream side is connected), then ROUNDS round trips of 16 KiB on all
connections at once.
"""
import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402


def wait_for(condition, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def main():
    binary, wanted = sys.argv[1], int(sys.argv[2])
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    soft, hard = common.raise_descriptor_limit(2 * wanted + 200)
    count = min(wanted, (soft - 100) // 2)
    if count < wanted:
        print(json.dumps({"note": f"{count} connections, not {wanted}: the hard descriptor limit is {hard} and "
                                  "the proxy holds two descriptors per connection"}), flush=True)
    echo = subprocess.Popen([sys.executable, os.path.join(os.path.dirname(__file__), "echo_server.py"),
                             str(count + 100)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    echo_port = int(echo.stdout.readline())
    proxy = common.Proxy(binary, echo_port)
    warm = socket.create_connection(("127.0.0.1", proxy.port))
    warm.sendall(b"w")
    warm.recv(1)
    warm.close()
    wait_for(lambda: proxy.stats()["connections_open"] == 0)
    base_rss, base_fds = common.rss_kib(proxy.pid), common.descriptors(proxy.pid)
    clients, refused = [], 0
    start = time.perf_counter()
    for _ in range(count):
        try:
            client = socket.create_connection(("127.0.0.1", proxy.port), timeout=30)
        except OSError:
            refused += 1
            continue
        clients.append(client)
    connect_seconds = time.perf_counter() - start
    # One byte through each, so every upstream connection is up and carries data.
    broken = 0
    for client in clients:
        client.sendall(b"x")
    for client in clients:
        try:
            if client.recv(1) != b"x":
                broken += 1
        except OSError:
            broken += 1
    wait_for(lambda: proxy.stats()["connections_open"] == len(clients))
    idle_rss = common.rss_kib(proxy.pid)
    message = os.urandom(16384)
    for _ in range(rounds):
        for client in clients:
            client.sendall(message)
        for client in clients:
            got = b""
            while len(got) < len(message):
                part = client.recv(len(message) - len(got))
                if not part:
                    break
                got += part
            broken += got != message
    busy_rss = common.rss_kib(proxy.pid)
    open_fds = common.descriptors(proxy.pid)
    for client in clients:
        client.close()
    closed = wait_for(lambda: proxy.stats()["connections_open"] == 0, seconds=120)
    time.sleep(1)
    after_rss, after_fds = common.rss_kib(proxy.pid), common.descriptors(proxy.pid)
    proxy.stop()
    echo.stdin.close()
    echo.wait(timeout=30)
    n = max(len(clients), 1)
    summary = {"summary": True, "connections": len(clients), "refused": refused, "broken": broken,
               "connect_seconds": round(connect_seconds, 1), "proxy_fds_open": open_fds,
               "rss_base_mib": round(base_rss / 1024, 1),
               "idle_kib_per_connection": round((idle_rss - base_rss) / n, 2),
               "traffic_kib_per_connection": round((busy_rss - base_rss) / n, 2),
               "all_closed": closed, "rss_after_close_mib": round(after_rss / 1024, 1),
               "fds_base": base_fds, "fds_after_close": after_fds}
    print(json.dumps(summary), flush=True)
    return 0 if refused == 0 and broken == 0 and closed and after_fds <= base_fds else 1


if __name__ == "__main__":
    sys.exit(main())
