#!/usr/bin/env python3
"""Benchmark of `faultline mock --object-info` (see object-info-bench.sh).

  object_info_bench.py dump BINARY OUT CLASSES   writes a dump of CLASSES classes, made from the
                                                 built-in catalogue's real entries (renamed copies)
  object_info_bench.py startup BINARY DUMP RUNS  spawn-to-ready medians: with the dump, and the built-in
                                                 catalogue as the peer measured in the same run
  object_info_bench.py validate BINARY DUMP RUNS POST /prompt of a 100-node graph (validated whole,
                                                 refused at its output) against GET /prompt
"""
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def spawn(binary, extra):
    start = time.perf_counter()
    process = subprocess.Popen(
        [binary, "mock", "--port", "0", "--node-time", "0ms", *extra],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    elapsed = time.perf_counter() - start
    if not line:
        raise SystemExit(f"the mock did not start: {process.stderr.read()}")
    return process, json.loads(line)["port"], elapsed


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise SystemExit("the mock did not exit within 20 s of SIGTERM")


def make_dump(binary, out, classes):
    process, port, _ = spawn(binary, [])
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        connection.request("GET", "/object_info")
        core = json.loads(connection.getresponse().read())
    finally:
        stop(process)
    dump = dict(core)
    names = list(core)
    copy = 0
    while len(dump) < classes:
        name = names[copy % len(names)]
        entry = json.loads(json.dumps(core[name]))
        entry["name"] = f"{name}_copy{copy}"
        dump[entry["name"]] = entry
        copy += 1
    with open(out, "w") as handle:
        json.dump(dump, handle)
    print(f"dump: {len(dump)} classes, {os.path.getsize(out) / 1024:.0f} KiB")


def startup(binary, dump, runs):
    def median(extra):
        times = []
        for _ in range(runs):
            process, _, elapsed = spawn(binary, extra)
            stop(process)
            times.append(elapsed * 1000)
        return statistics.median(times), max(times)

    with_dump, with_dump_max = median(["--object-info", dump])
    built_in, built_in_max = median([])
    print(f"spawn to ready, --object-info ({runs} runs): median {with_dump:.1f} ms, max {with_dump_max:.1f} ms"
          f"  (goal <= 100 ms)")
    print(f"spawn to ready, built-in catalogue (peer): median {built_in:.1f} ms, max {built_in_max:.1f} ms")
    print(f"ratio dump/built-in: {with_dump / built_in:.2f}; cost of loading the dump: "
          f"{with_dump - built_in:.1f} ms")


def chain_prompt(nodes):
    prompt = {"1": {"class_type": "EmptyImage",
                    "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}}}
    for index in range(2, nodes):
        prompt[str(index)] = {"class_type": "ImageInvert_copy0" if index % 2 else "ImageInvert",
                              "inputs": {"image": [str(index - 1), 0]}}
    # The output lacks filename_prefix: every node is validated, then the prompt is refused, so
    # nothing runs and each request measures validation alone.
    prompt[str(nodes)] = {"class_type": "SaveImage", "inputs": {"images": [str(nodes - 1), 0]}}
    return {"prompt": prompt}


def validate(binary, dump, runs):
    process, port, _ = spawn(binary, ["--object-info", dump])
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port)
        body = json.dumps(chain_prompt(100))

        def timed(method, path, payload=None):
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                connection.request(method, path, body=payload,
                                   headers={"Content-Type": "application/json"} if payload else {})
                answer = connection.getresponse()
                answer.read()
                times.append((time.perf_counter() - start) * 1000)
            return answer.status, statistics.median(times), sorted(times)[int(runs * 0.99) - 1]

        status, post, post_p99 = timed("POST", "/prompt", body)
        if status != 400:
            raise SystemExit(f"the 100-node prompt was answered {status}, expected 400")
        _, get, get_p99 = timed("GET", "/prompt")
    finally:
        stop(process)
    print(f"POST /prompt, 100 nodes validated ({runs} runs): median {post:.2f} ms, p99 {post_p99:.2f} ms")
    print(f"GET /prompt round trip (peer, same connection): median {get:.2f} ms, p99 {get_p99:.2f} ms")
    print(f"validation of 100 nodes: {post - get:.2f} ms (median difference; goal <= 5 ms)")


if __name__ == "__main__":
    command, binary = sys.argv[1], sys.argv[2]
    if command == "dump":
        make_dump(binary, sys.argv[3], int(sys.argv[4]))
    elif command == "startup":
        startup(binary, sys.argv[3], int(sys.argv[4]))
    elif command == "validate":
        validate(binary, sys.argv[3], int(sys.argv[4]))
    else:
        raise SystemExit(__doc__)
