"""Bytes through each fault that promises to keep them, checked by hash.

  integrity.py BINARY ECHO_PORT MIB [FAULT ...]

For each fault (default: all of them) a `faultline proxy` runs with that fault's profile in front of an
echo server; one connection carries MIB mebibytes of seeded pseudo-random bytes up and back down, so
each byte passes the fault twice (upstream and downstream). The SHA-256 of what was sent must equal
that of what came back. Prints one JSON line per fault.
"""
import hashlib
import json
import os
import random
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402


def timeline_yaml(phases=200, every_ms=150):
    """Phases that switch the faults every `every_ms` under traffic: latency, slicer, bandwidth, none."""
    kinds = [
        "[{type: latency, latency: 2ms, jitter: 1ms}]",
        "[{type: slicer, average_size: 2000, size_variation: 1000}]",
        "[{type: bandwidth, rate: 300MB/s}]",
        "[{type: latency, latency: 1ms}, {type: slicer, average_size: 8000}]",
    ]
    lines = ["name: switching", "description: phases switching under traffic", "timeline:"]
    for index in range(phases):
        lines.append(f"  - at: {index * every_ms}ms")
        lines.append(f"    duration: {every_ms - 20}ms")
        lines.append(f"    faults: {kinds[index % len(kinds)]}")
    return "\n".join(lines) + "\n"


FAULTS = {
    "plain": "name: plain\ndescription: no fault\nfaults: []\n",
    "latency": "name: latency\ndescription: 5 ms each way\nfaults:\n  - {type: latency, latency: 5ms}\n",
    "jitter": ("name: jitter\ndescription: 5 ms +- 5 ms normal, correlated\nfaults:\n"
               "  - {type: latency, latency: 5ms, jitter: 5ms, distribution: normal, correlation: 25%}\n"),
    "bandwidth": "name: bandwidth\ndescription: 200 MB/s\nfaults:\n  - {type: bandwidth, rate: 200MB/s}\n",
    "slicer": ("name: slicer\ndescription: pieces of 1000 +- 500 bytes\nfaults:\n"
               "  - {type: slicer, average_size: 1000, size_variation: 500}\n"),
    "loss-retransmit": ("name: loss\ndescription: 1 % loss, retransmitted after 1 ms\nfaults:\n"
                        "  - {type: loss, rate: 1%, mode: retransmit, rto: 1ms}\n"),
}


def transfer(port, total, seed):
    """Sends `total` seeded bytes and reads the echo; returns (sha sent, sha received, bytes received)."""
    connection = socket.create_connection(("127.0.0.1", port))
    sent_hash, received_hash = hashlib.sha256(), hashlib.sha256()
    received = [0]

    def receive():
        while True:
            data = connection.recv(1 << 20)
            if not data:
                return
            received_hash.update(data)
            received[0] += len(data)

    reader = threading.Thread(target=receive)
    reader.start()
    generator = random.Random(seed)
    remaining = total
    while remaining > 0:
        block = generator.randbytes(min(remaining, 1 << 20))
        sent_hash.update(block)
        connection.sendall(block)
        remaining -= len(block)
    connection.shutdown(socket.SHUT_WR)
    reader.join()
    connection.close()
    return sent_hash.hexdigest(), received_hash.hexdigest(), received[0]


def main():
    binary, echo_port, mib = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    names = sys.argv[4:] or [name for name in FAULTS if name != "plain"] + ["timeline"]
    total = int(mib * (1 << 20))
    failed = 0
    with tempfile.TemporaryDirectory() as directory:
        for name in names:
            path = os.path.join(directory, f"{name}.yaml")
            with open(path, "w") as profile:
                profile.write(timeline_yaml() if name == "timeline" else FAULTS[name])
            proxy = common.Proxy(binary, echo_port, extra=("--profile", path, "--seed", "7"))
            # The faults in effect, from the proxy itself: proof that the run went through them.
            active = [fault.get("type") for fault in proxy.stats()["active_faults"]]
            start = time.perf_counter()
            sent, received, count = transfer(proxy.port, total, seed=len(name))
            elapsed = time.perf_counter() - start
            proxy.stop()
            intact = sent == received and count == total
            failed += not intact
            print(json.dumps({"fault": name, "active_at_start": active, "mib": mib, "seconds": round(elapsed, 1),
                              "mib_per_s": round(mib / elapsed, 1), "received": count, "intact": intact,
                              "sha256": received[:16]}), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
