"""A test runner that dies, even by SIGKILL, leaves no `faultline up` and no server behind: `up` reads
end-of-file on the pipe the helper holds and takes its servers down with it."""

import json
import subprocess
import sys
from pathlib import Path

from faultline import poll_until


def runs(pid: int) -> bool:
    """Gone, or a zombie nobody has reaped yet: either way it no longer runs."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def test_nothing_outlives_a_runner_killed_with_sigkill():
    package = Path(__file__).resolve().parents[1]
    script = (f"import sys, json, time; sys.path.insert(0, {str(package)!r}); from faultline import Faultline; "
              "up = Faultline.start(); print(json.dumps(up.ready), flush=True); time.sleep(60)")
    runner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        ready = json.loads(runner.stdout.readline())
        assert runs(ready["pid"]) and runs(ready["server_pid"])
    finally:
        runner.kill()
        runner.wait()
    poll_until(lambda: not runs(ready["pid"]) and not runs(ready["server_pid"]),
               what="faultline up and its server to end")
