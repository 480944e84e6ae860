"""Helpers shared by the stress scripts: descriptor limits, process readings, a spawned `faultline proxy`."""
import json
import os
import resource
import subprocess
import urllib.request


def raise_descriptor_limit(wanted):
    """Raises the soft RLIMIT_NOFILE towards `wanted`; returns (soft, hard) after, and says so when the
    hard limit is in the way."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = min(hard, max(soft, wanted))
    resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    if hard < wanted:
        print(json.dumps({"note": f"hard descriptor limit is {hard}, below the {wanted} wanted"}), flush=True)
    return target, hard


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def descriptors(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class Proxy:
    """`faultline proxy` with its control API, as a child process that inherits our descriptor limit."""

    def __init__(self, binary, upstream_port, extra=()):
        self.process = subprocess.Popen(
            [binary, "proxy", "--listen", "127.0.0.1:0", "--upstream", f"127.0.0.1:{upstream_port}",
             "--api", "127.0.0.1:0", "--exit-with-parent", *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        ready = json.loads(self.process.stdout.readline())
        self.pid = self.process.pid
        self.port = int(ready["listen"].rsplit(":", 1)[1])
        self.api = ready["api"]
        self.name = ready["name"]

    def stats(self):
        with urllib.request.urlopen(f"http://{self.api}/faultline/proxies/{self.name}/stats") as answer:
            return json.load(answer)

    def held_bytes(self):
        """Bytes the proxy has read but not yet written on (both directions): what it buffers."""
        stats = self.stats()
        return sum(stats["received_bytes"].values()) - sum(stats["sent_bytes"].values())

    def stop(self):
        self.process.terminate()
        return self.process.wait(timeout=30)
