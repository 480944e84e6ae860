// A test runner that dies, even by SIGKILL, leaves no `faultline up` and no server behind: `up`
// reads end-of-file on the pipe the helper holds and takes its servers down with it.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { pollUntil } from "../faultline.mjs";

// Gone, or a zombie nobody has reaped yet: either way it no longer runs.
function runs(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

test("nothing outlives a test runner killed with SIGKILL", async () => {
  const module = new URL("../faultline.mjs", import.meta.url).href;
  const runner = spawn(process.execPath, [
    "--input-type=module",
    "-e",
    `const { Faultline } = await import(${JSON.stringify(module)});
     const up = await Faultline.start();
     console.log(JSON.stringify(up.ready));
     setInterval(() => {}, 1000);`,
  ], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = await once(createInterface({ input: runner.stdout }), "line");
  const ready = JSON.parse(line);
  assert.ok(runs(ready.pid) && runs(ready.server_pid));
  runner.kill("SIGKILL");
  await once(runner, "exit");
  await pollUntil(() => !runs(ready.pid) && !runs(ready.server_pid), { what: "faultline up and its server to end" });
});
