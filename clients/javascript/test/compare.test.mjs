// `faultline compare --client` measures the JavaScript example client from outside: it recovers
// from a crash and, having a silence deadline, notices a half-open connection.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const program = fileURLToPath(new URL("../examples/compare-client.mjs", import.meta.url));

test("compare --client: the JavaScript client recovers from a crash and a half-open connection", () => {
  const out = mkdtempSync(join(tmpdir(), "faultline-compare-js-"));
  try {
    const result = spawnSync(
      process.env.FAULTLINE_BIN || "faultline",
      ["compare", "--client", `${process.execPath} ${program} {url}`, "--scenarios", "sigkill,half-open", "--runs", "1", "--out", out],
      { encoding: "utf8", timeout: 180_000 },
    );
    assert.equal(result.status, 0, result.stdout + result.stderr);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    const verdicts = Object.fromEntries(report.measurements.map((m) => [m.scenario, m]));
    assert.equal(verdicts.sigkill.verdict, "recovered", JSON.stringify(verdicts.sigkill));
    const halfOpen = verdicts["half-open"];
    assert.equal(halfOpen.verdict, "recovered", JSON.stringify(halfOpen));
    // Noticed by its own 1.5 s silence deadline (pings unanswered), as it says itself.
    assert.ok(halfOpen.clientReportedDisconnectAfter >= 1.0, JSON.stringify(halfOpen));
    assert.ok(readFileSync(join(out, "report.html"), "utf8").includes("<svg"));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
