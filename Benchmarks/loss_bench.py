#!/usr/bin/env python3
"""Workloads and figures for Benchmarks/loss-bench.sh (standard library only).

  serve PORT                       the workload server (one thread per connection)
  client HOST PORT WORKLOAD OUT N [REPEAT]
                                   rr | msg | bulk (N exchanges, messages or bytes); samples as JSON;
                                   bulk runs REPEAT transfers one after the other, rr and msg REPEAT
                                   connections side by side, samples pooled (default 1)
  delayline DEV_A DEV_B MS         user-space L2 bridge holding each frame MS ms (no netem here)
  report KERNEL.json FAULTLINE.json LABEL RTT_MS
                                   prints the comparison of one condition
  capture DEVS OUT                 TCP headers arriving on DEVS (comma-separated), as JSON lines
  retransmissions CAPTURE PORT     per connection: how long retransmitted segments waited

Workloads (the first byte of a connection picks one on the server):
  rr    COUNT exchanges of a 100-byte request and a 100-byte answer; sample = round trip
  msg   the server sends a 100-byte message every 50 ms; sample = delivery delay (both ends share
        CLOCK_MONOTONIC: they run on one host, in network namespaces)
  bulk  the server sends MB megabytes; sample = seconds from the request to the end of stream
        (bulk figures are medians over the repeated transfers)
"""
import heapq
import json
import os
import select
import socket
import struct
import sys
import threading
import time

MESSAGE = 100


def recv_exact(sock, size):
    data = bytearray()
    while len(data) < size:
        piece = sock.recv(size - len(data))
        if not piece:
            raise EOFError
        data += piece
    return bytes(data)


def handle(conn):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        header = recv_exact(conn, 9)
        kind, count = header[:1], struct.unpack("!Q", header[1:])[0]
        if kind == b"R":
            for _ in range(count):
                conn.sendall(recv_exact(conn, MESSAGE))
        elif kind == b"M":
            start = time.monotonic()
            for index in range(count):
                due = start + index * 0.05
                pause = due - time.monotonic()
                if pause > 0:
                    time.sleep(pause)
                conn.sendall(struct.pack("!d", time.monotonic()).ljust(MESSAGE, b"m"))
        elif kind == b"B":
            block = os.urandom(65536)
            left = count
            while left > 0:
                conn.sendall(block[: min(left, len(block))])
                left -= min(left, len(block))
        conn.shutdown(socket.SHUT_WR)
        while conn.recv(65536):
            pass
    except (EOFError, OSError):
        pass
    finally:
        conn.close()


def congestion(sock):
    if os.environ.get("LOSS_BENCH_CC"):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_CONGESTION, os.environ["LOSS_BENCH_CC"].encode())


def serve(port):
    listener = socket.socket()
    congestion(listener)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", int(port)))
    listener.listen(64)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


def client(host, port, workload, out, count, repeat="1"):
    samples = []
    if workload == "bulk":
        # A bulk transfer is one sample, and a short one depends on where its first losses fall: repeat
        # it (a fresh connection each time, so fresh draws on the Faultline side) and compare medians.
        for _ in range(int(repeat)):
            run_client(host, port, workload, int(count), samples)
    else:
        # Light workloads run REPEAT connections side by side and pool their samples: at 1-2 % loss
        # one message stream has a handful of affected samples, too few for a KS distance to mean
        # anything; 100-byte messages every 50 ms do not load the link, so streams do not disturb
        # each other.
        streams = [[] for _ in range(int(repeat))]
        threads = [threading.Thread(target=run_client, args=(host, port, workload, int(count), stream))
                   for stream in streams]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        # One connection after the other, so a kept file shows each stream's sequence.
        for stream in streams:
            samples.extend(stream)
    with open(out, "w") as handle_out:
        json.dump(samples, handle_out)


def run_client(host, port, workload, count, samples):
    sock = socket.socket()
    congestion(sock)
    sock.settimeout(600)
    sock.connect((host, int(port)))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if workload == "rr":
        sock.sendall(b"R" + struct.pack("!Q", count))
        request = b"q" * MESSAGE
        for _ in range(count):
            began = time.monotonic()
            sock.sendall(request)
            recv_exact(sock, MESSAGE)
            samples.append((time.monotonic() - began) * 1000)
    elif workload == "msg":
        sock.sendall(b"M" + struct.pack("!Q", count))
        for _ in range(count):
            sent = struct.unpack("!d", recv_exact(sock, MESSAGE)[:8])[0]
            samples.append((time.monotonic() - sent) * 1000)
    elif workload == "bulk":
        began = time.monotonic()
        sock.sendall(b"B" + struct.pack("!Q", count))
        while sock.recv(1 << 20):
            pass
        samples.append(time.monotonic() - began)
    sock.close()


def delayline(dev_a, dev_b, delay_ms):
    """Forwards every frame between two interfaces after `delay_ms`, in order per direction."""
    delay = float(delay_ms) / 1000
    sockets = {}
    for dev in (dev_a, dev_b):
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
        sock.bind((dev, 0))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8 << 20)
        sockets[dev] = sock
    other = {sockets[dev_a]: sockets[dev_b], sockets[dev_b]: sockets[dev_a]}
    held = []
    sequence = 0
    print("delayline ready", flush=True)
    while True:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else None
        readable, _, _ = select.select(list(other), [], [], timeout)
        now = time.monotonic()
        for sock in readable:
            while True:
                try:
                    frame, address = sock.recvfrom(65536, socket.MSG_DONTWAIT)
                except BlockingIOError:
                    break
                if address[2] == socket.PACKET_OUTGOING:
                    continue
                sequence += 1
                heapq.heappush(held, (now + delay, sequence, other[sock], frame))
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, target, frame = heapq.heappop(held)
            try:
                target.send(frame)
            except OSError:
                pass


def capture(devices, out):
    """Writes the TCP headers of frames arriving on `devices` (comma-separated) as JSON lines:
    [time, source port, destination port, seq, length]. Run in the router namespace, it sees every
    packet before the drop rule, so a sequence number seen twice is a retransmission."""
    sockets = []
    for dev in devices.split(","):
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
        sock.bind((dev, 0))
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
        sockets.append(sock)
    print("capture ready", flush=True)
    with open(out, "w") as handle_out:
        while True:
            readable, _, _ = select.select(sockets, [], [], 1)
            for sock in readable:
                while True:
                    try:
                        frame, address = sock.recvfrom(65536, socket.MSG_DONTWAIT)
                    except BlockingIOError:
                        break
                    ip = frame[14:]
                    if address[2] == socket.PACKET_OUTGOING or len(ip) < 40 or ip[9] != 6:
                        continue
                    header = (ip[0] & 15) * 4
                    tcp = ip[header:]
                    length = struct.unpack("!H", ip[2:4])[0] - header - (tcp[12] >> 4) * 4
                    source, destination, seq = struct.unpack("!HHI", tcp[:8])
                    handle_out.write(json.dumps([round(time.monotonic(), 6), source, destination, seq, length]) + "\n")
            handle_out.flush()


def retransmissions(capture_file, server_port):
    """How the kernel recovered, from a capture: per connection and direction, the time from each
    segment's first copy to its retransmission (about one RTT: SACK; RTT + 200 ms or more: a probe
    or a timeout)."""
    first, delays = {}, {}
    with open(capture_file) as handle_in:
        for line in handle_in:
            when, source, destination, seq, length = json.loads(line)
            if length <= 0:
                continue
            flow = (source, destination)
            if (flow, seq) in first:
                delays.setdefault(flow, []).append(1000 * (when - first[flow, seq]))
            else:
                first[flow, seq] = when
    for (source, destination), values in sorted(delays.items()):
        sent = sum(1 for flow, _ in first if flow == (source, destination))
        side = "server->client" if source == int(server_port) else "client->server"
        values.sort()
        quantiles = " ".join(f"{percentile(values, share):.0f}" for share in (0.1, 0.5, 0.9))
        print(f"  capture {side} port {destination if side[0] == 's' else source}: {sent} segments, "
              f"{len(values)} retransmitted after (p10 p50 p90) {quantiles} ms, "
              f"{sum(value > 150 for value in values)} after more than 150 ms")


def percentile(values, share):
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ks_distance(first, second):
    """Two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical CDFs."""
    if not first or not second:
        return float("nan")
    a, b = sorted(first), sorted(second)
    i = j = 0
    gap = 0.0
    while i < len(a) and j < len(b):
        value = min(a[i], b[j])
        while i < len(a) and a[i] <= value:
            i += 1
        while j < len(b) and b[j] <= value:
            j += 1
        gap = max(gap, abs(i / len(a) - j / len(b)))
    return gap


def latency_figures(samples, rtt_ms):
    """Extra delay over the path's own time (the run's 10th percentile, robust to a few fast outliers)."""
    base = percentile(samples, 0.10)
    extra = [value - base for value in samples]
    # Affected: more than scheduling noise and a quarter round trip late (a TLP at 0 ms RTT is ~8 ms).
    affected = [value for value in extra if value > 3 + rtt_ms / 4]
    stalled = [value for value in extra if value > 150]
    return {
        "p50": percentile(samples, 0.5),
        "p90": percentile(samples, 0.9),
        "p99": percentile(samples, 0.99),
        "p999": percentile(samples, 0.999),
        "affected": affected,
        "affected_share": len(affected) / len(samples),
        "stalled_share": len(stalled) / len(samples),
    }


def report(kernel_file, faultline_file, label, rtt_ms):
    with open(kernel_file) as handle_in:
        kernel = json.load(handle_in)
    with open(faultline_file) as handle_in:
        model = json.load(handle_in)
    rtt_ms = float(rtt_ms)
    if label.startswith("bulk"):
        k_median, m_median = percentile(kernel, 0.5), percentile(model, 0.5)
        ratio = m_median / k_median
        verdict = "ok" if 0.5 <= ratio <= 2 else "OFF"
        spread = ""
        if len(kernel) > 1:
            spread = (f"   (runs {len(kernel)}: kernel {min(kernel):.2f}-{max(kernel):.2f}, "
                      f"faultline {min(model):.2f}-{max(model):.2f})")
        print(f"  {label:<26} kernel {k_median:8.2f} s   faultline {m_median:8.2f} s   "
              f"ratio {ratio:5.2f} [{verdict}]{spread}")
        print("JSONLINE " + json.dumps({"label": label, "kernel": kernel, "faultline": model,
                                        "ratio": ratio}))
        return
    k, m = latency_figures(kernel, rtt_ms), latency_figures(model, rtt_ms)
    ks = ks_distance(k["affected"], m["affected"])
    for name, figures in (("kernel", k), ("faultline", m)):
        print(f"  {label:<14} {name:<9} p50 {figures['p50']:7.1f}  p90 {figures['p90']:7.1f}  "
              f"p99 {figures['p99']:7.1f}  p99.9 {figures['p999']:7.1f} ms   "
              f"affected {100 * figures['affected_share']:5.2f} %  "
              f"stalled>150ms {100 * figures['stalled_share']:5.2f} %")
    stall_ratio = (m["stalled_share"] / k["stalled_share"]) if k["stalled_share"] else float("nan")
    affected_ratio = (m["affected_share"] / k["affected_share"]) if k["affected_share"] else float("nan")
    p99_error = m["p99"] / k["p99"] - 1
    print(f"  {label:<14} fit       affected ratio {affected_ratio:5.2f}  stalled ratio "
          f"{stall_ratio:5.2f}  p99 {100 * p99_error:+6.1f} %  KS(affected extra) {ks:4.2f} "
          f"({len(k['affected'])} vs {len(m['affected'])} samples)")
    print("JSONLINE " + json.dumps({
        "label": label, "kernel": {key: k[key] for key in k if key != "affected"},
        "faultline": {key: m[key] for key in m if key != "affected"}, "ks": ks}))


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    if command == "serve":
        serve(*arguments)
    elif command == "client":
        client(*arguments)
    elif command == "delayline":
        delayline(*arguments)
    elif command == "capture":
        capture(*arguments)
    elif command == "retransmissions":
        retransmissions(*arguments)
    elif command == "report":
        report(*arguments)
    else:
        sys.exit(__doc__)
