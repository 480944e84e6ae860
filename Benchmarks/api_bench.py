"""Control API benchmark: round trip p50/p99 idle and under N busy connections, and the time for a
toxic change to take effect on live connections.

Usage: api_bench.py FAULTLINE_BINARY [--connections N] [--requests N]
Starts `faultline proxy --api 127.0.0.1:0`, an echo server and N ping-pong connections (in a child
process, so that traffic and measurement do not share an interpreter), and prints a JSON report.
"""

import argparse
import asyncio
import http.client
import json
import os
import statistics
import subprocess
import sys
import time


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class Api:
    def __init__(self, port):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def call(self, method, path, body=None):
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if payload else {}
        start = time.perf_counter()
        self.connection.request(method, path, body=payload, headers=headers)
        response = self.connection.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - start
        if response.status >= 400:
            raise RuntimeError("%s %s -> %d %s" % (method, path, response.status, data))
        return elapsed, data


def measure_round_trips(api, count):
    """Milliseconds for GET /proxies/p, and for adding plus removing a toxic."""
    reads, changes = [], []
    for _ in range(count):
        reads.append(api.call("GET", "/proxies/p")[0] * 1000)
        added, _ = api.call("POST", "/proxies/p/toxics", {"type": "latency", "name": "b", "attributes": {"latency": 1}})
        removed, _ = api.call("DELETE", "/proxies/p/toxics/b")
        changes += [added * 1000, removed * 1000]
    return {
        "get_p50_ms": percentile(reads, 0.5), "get_p99_ms": percentile(reads, 0.99),
        "change_p50_ms": percentile(changes, 0.5), "change_p99_ms": percentile(changes, 0.99),
    }


# ---- traffic child: echo server and busy ping-pong connections ----

async def traffic(proxy_port, echo_port_file, connections, stop_file):
    async def echo(reader, writer):
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(echo, "127.0.0.1", 0, backlog=4096)
    with open(echo_port_file + ".tmp", "w") as handle:
        handle.write(str(server.sockets[0].getsockname()[1]))
    os.rename(echo_port_file + ".tmp", echo_port_file)
    while not os.path.exists(echo_port_file + ".proxy"):
        await asyncio.sleep(0.05)
    port = int(open(echo_port_file + ".proxy").read())
    ready = 0
    exchanges = 0

    async def client():
        nonlocal ready, exchanges
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        ready += 1
        payload = b"x" * 512
        try:
            while not os.path.exists(stop_file):
                writer.write(payload)
                await writer.drain()
                await asyncio.wait_for(reader.readexactly(len(payload)), 30)
                exchanges += 1
        finally:
            writer.close()

    tasks = [asyncio.create_task(client()) for _ in range(connections)]
    while ready < connections:
        await asyncio.sleep(0.05)
    open(echo_port_file + ".busy", "w").close()
    start, counted = time.monotonic(), exchanges
    results = await asyncio.gather(*tasks, return_exceptions=True)
    failures = [repr(result) for result in results if isinstance(result, BaseException)]
    elapsed = time.monotonic() - start
    print(json.dumps({"exchanges": exchanges - counted, "exchanges_per_second": (exchanges - counted) / elapsed,
                      "failed_connections": len(failures), "first_failure": failures[:1]}))


def effect_time(api, proxy_port):
    """Milliseconds from sending a toxic change until it is in effect on a live connection.

    The engine applies a change on every loop before the API answers, so the answer time bounds the
    time to effect; the round trip right after the answer must already carry the added latency,
    which checks that bound on a live connection.
    """
    import socket
    sock = socket.create_connection(("127.0.0.1", proxy_port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    samples = []
    try:
        for _ in range(20):
            sock.sendall(b"a")
            sock.recv(1)
            answer, _ = api.call("POST", "/proxies/p/toxics", {"type": "latency", "name": "cut", "attributes": {"latency": 100}})
            start = time.perf_counter()
            sock.sendall(b"b")
            sock.recv(1)
            if time.perf_counter() - start < 0.1:
                raise RuntimeError("the round trip after the API answered did not carry the new latency")
            samples.append(answer * 1000)
            api.call("DELETE", "/proxies/p/toxics/cut")
    finally:
        sock.close()
    return {"toxic_in_effect_p50_ms": percentile(samples, 0.5), "toxic_in_effect_p99_ms": percentile(samples, 0.99)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--traffic-child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.traffic_child:
        proxy_port, echo_file, connections, stop_file = args.traffic_child
        asyncio.run(traffic(int(proxy_port), echo_file, int(connections), stop_file))
        return

    work = "/tmp/faultline-api-bench-%d" % os.getpid()
    os.makedirs(work)
    echo_file, stop_file = work + "/echo", work + "/stop"
    proxy = subprocess.Popen([args.binary, "proxy", "--api", "127.0.0.1:0"], stdout=subprocess.PIPE)
    child = None
    try:
        ready = json.loads(proxy.stdout.readline())
        api = Api(int(ready["api"].rsplit(":", 1)[1]))
        child = subprocess.Popen(
            [sys.executable, __file__, args.binary, "--traffic-child", "0", echo_file, str(args.connections), stop_file],
            stdout=subprocess.PIPE)
        while not os.path.exists(echo_file):
            time.sleep(0.05)
        echo_port = int(open(echo_file).read())
        _, body = api.call("POST", "/proxies", {"name": "p", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:%d" % echo_port})
        proxy_port = int(json.loads(body)["listen"].rsplit(":", 1)[1])
        idle = measure_round_trips(api, args.requests)
        idle_effect = effect_time(api, proxy_port)
        with open(echo_file + ".proxy", "w") as handle:
            handle.write(str(proxy_port))
        while not os.path.exists(echo_file + ".busy"):
            time.sleep(0.05)
        time.sleep(1)
        busy = measure_round_trips(api, args.requests)
        busy_effect = effect_time(api, proxy_port)
        open(stop_file, "w").close()
        traffic_report = json.loads(child.communicate(timeout=60)[0])
        print(json.dumps({
            "connections": args.connections, "requests": args.requests,
            "idle": {**idle, **idle_effect}, "busy": {**busy, **busy_effect},
            "busy_traffic": traffic_report,
        }, indent=2))
    finally:
        if child and child.poll() is None:
            child.kill()
            child.wait()
        proxy.terminate()
        proxy.wait(timeout=10)
        for name in os.listdir(work):
            os.remove(os.path.join(work, name))
        os.rmdir(work)


if __name__ == "__main__":
    main()
