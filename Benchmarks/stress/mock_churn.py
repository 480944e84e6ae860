"""WebSocket connect/close cycles against a running mock, with its RSS and descriptors sampled.

  mock_churn.py PID PORT CYCLES [THREADS]

Each cycle opens /ws, reads the `status` greeting and leaves one of four ways, in turn: a close
handshake, a plain close, a reset, or a reconnect under the same clientId while the first socket is
still open (the mock replaces the session) before both go. Prints one JSON line per tenth of the run
and a summary line: RSS and descriptors at 10 % and at the end, and the growth between them.
"""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402
import wsclient  # noqa: E402


def cycle(port, index):
    client_id = f"churn{index}"
    connection, rest = wsclient.handshake("127.0.0.1", port, client_id)
    opcode, payload, rest = wsclient.read_frame(connection, rest)
    if opcode != 0x1 or b'"status"' not in payload:
        raise AssertionError(f"cycle {index}: first frame was {opcode} {payload[:100]!r}, not status")
    way = index % 4
    if way == 0:
        wsclient.close_cleanly(connection, rest)
    elif way == 1:
        connection.close()
    elif way == 2:
        wsclient.reset(connection)
    else:
        second, rest2 = wsclient.handshake("127.0.0.1", port, client_id)
        wsclient.read_frame(second, rest2)
        wsclient.close_cleanly(second, b"")
        connection.close()


def main():
    pid, port, cycles = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    threads = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    step = max(cycles // 10, 1)
    failures = []
    done = [0]
    lock = threading.Lock()
    samples = []
    start = time.perf_counter()

    def worker(first):
        for index in range(first, cycles, threads):
            try:
                cycle(port, index)
            except Exception as error:  # noqa: BLE001 - every failure is counted and reported
                with lock:
                    failures.append(f"{index}: {error}")
            with lock:
                done[0] += 1
                if done[0] % step == 0:
                    sample = {"cycles": done[0], "rss_kib": common.rss_kib(pid), "fds": common.descriptors(pid),
                              "seconds": round(time.perf_counter() - start, 1)}
                    samples.append(sample)
                    print(json.dumps(sample), flush=True)

    workers = [threading.Thread(target=worker, args=(first,)) for first in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - start
    # Let the last sessions' handlers finish before the final reading.
    time.sleep(1)
    final = {"cycles": cycles, "rss_kib": common.rss_kib(pid), "fds": common.descriptors(pid)}
    first = samples[0] if samples else final
    summary = {"summary": True, "cycles": cycles, "failures": len(failures), "cycles_per_s": round(cycles / elapsed),
               "rss_kib_at_10pct": first["rss_kib"], "rss_kib_end": final["rss_kib"],
               "rss_growth_kib": final["rss_kib"] - first["rss_kib"],
               "fds_at_10pct": first["fds"], "fds_end": final["fds"]}
    print(json.dumps(summary), flush=True)
    for failure in failures[:5]:
        print("failure", failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
