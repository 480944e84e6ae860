"""Connection churn: connections per second through Faultline against HAProxy in the same run, then
many connect/transfer/close cycles through Faultline with its descriptors and RSS sampled.

  churn.py FAULTLINE FAULTLINE_BENCH SECONDS CYCLES [THREADS]

Both proxies sit in front of the same echo server (`faultline-bench echo`); the clients are
`faultline-bench churn` (blocking sockets, THREADS threads, 64-byte echo per connection). HAProxy is
skipped with a note when it is not on PATH (scripts/setup --bench installs it).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))
import common  # noqa: E402


def run_churn(bench, port, cycles, seconds, threads):
    output = subprocess.run([bench, "churn", str(port), str(cycles), str(seconds), str(threads)],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def haproxy(backend, directory):
    path = shutil.which("haproxy")
    if not path:
        return None, None
    port = free_port()
    config = os.path.join(directory, "haproxy.cfg")
    with open(config, "w") as file:
        file.write(f"""global
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 60s
  timeout server 60s
frontend f
  bind 127.0.0.1:{port}
  default_backend b
backend b
  server s 127.0.0.1:{backend}
""")
    process = subprocess.Popen([path, "-f", config], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import socket
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            break
        except OSError:
            time.sleep(0.05)
    return process, port


def main():
    binary, bench, seconds, cycles = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
    threads = int(sys.argv[5]) if len(sys.argv) > 5 else 4
    echo = subprocess.Popen([bench, "echo"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    echo_port = json.loads(echo.stdout.readline())["port"]
    proxy = common.Proxy(binary, echo_port)
    failed = False
    with tempfile.TemporaryDirectory() as directory:
        peer, peer_port = haproxy(echo_port, directory)
        # Side by side, the same seconds each, alternating so neither gets a quieter machine.
        rates = {"faultline": [], "haproxy": []}
        for _ in range(2):
            for name, port in (("faultline", proxy.port), ("haproxy", peer_port)):
                if port is None:
                    continue
                result = run_churn(bench, port, 10**9, seconds / 2, threads)
                rates[name].append(result["cycles_per_s"])
                failed |= result["failures"] > 0
                print(json.dumps({"proxy": name, **result}), flush=True)
        best = {name: max(values) for name, values in rates.items() if values}
        if peer is None:
            print(json.dumps({"note": "haproxy not on PATH: run scripts/setup --bench"}), flush=True)
        else:
            peer.terminate()
            peer.wait(timeout=10)
        print(json.dumps({"summary": "rate", "faultline_cps": best.get("faultline"),
                          "haproxy_cps": best.get("haproxy"),
                          "ratio": round(best["faultline"] / best["haproxy"], 2) if "haproxy" in best else None}),
              flush=True)
    # The long run: cycles in ten slices, descriptors and RSS read after each.
    start_fds, start_rss = common.descriptors(proxy.pid), common.rss_kib(proxy.pid)
    samples = []
    started = time.perf_counter()
    for slice_index in range(10):
        result = run_churn(bench, proxy.port, cycles // 10, 3600, threads)
        failed |= result["failures"] > 0
        time.sleep(0.5)
        sample = {"slice": slice_index + 1, "cycles": result["cycles"], "failures": result["failures"],
                  "fds": common.descriptors(proxy.pid), "rss_kib": common.rss_kib(proxy.pid)}
        samples.append(sample)
        print(json.dumps(sample), flush=True)
    elapsed = time.perf_counter() - started
    done = sum(sample["cycles"] for sample in samples)
    summary = {"summary": "cycles", "cycles": done, "failures": sum(s["failures"] for s in samples),
               "seconds": round(elapsed, 1), "fds_start": start_fds, "fds_end": samples[-1]["fds"],
               "rss_kib_start": start_rss, "rss_kib_after_first_slice": samples[0]["rss_kib"],
               "rss_kib_end": samples[-1]["rss_kib"],
               "rss_growth_after_first_slice_kib": samples[-1]["rss_kib"] - samples[0]["rss_kib"]}
    print(json.dumps(summary), flush=True)
    proxy.stop()
    echo.stdin.close()
    echo.wait(timeout=10)
    return 1 if failed or samples[-1]["fds"] > start_fds else 0


if __name__ == "__main__":
    sys.exit(main())
