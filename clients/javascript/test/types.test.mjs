// faultline.d.ts describes faultline.mjs: a TypeScript file using the API compiles under --strict,
// and misuses are refused (tsc from Debian's node-typescript; skipped, saying so, without it).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const usage = fileURLToPath(new URL("./types/usage.ts", import.meta.url));
const hasTsc = spawnSync("tsc", ["--version"], { stdio: "ignore" }).status === 0;

test("faultline.d.ts types a strict TypeScript user of the module", { skip: !hasTsc && "tsc is not installed" }, () => {
  const result = spawnSync(
    "tsc",
    ["--noEmit", "--strict", "--target", "es2022", "--lib", "es2022,dom", "--moduleResolution", "node", usage],
    { encoding: "utf8" },
  );
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
