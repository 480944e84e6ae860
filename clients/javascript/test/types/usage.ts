// Compiled (never run) by types.test.mjs: every call here must type-check against faultline.d.ts,
// and the @ts-expect-error lines must not.
import { Faultline, trackEvent, pollUntil, waitForEvent, FaultlineError } from "../../faultline";
async function main(): Promise<void> {
  const up: Faultline = await Faultline.start({ args: ["--node-time", "50ms"] });
  const status = await up.restartServer(up.serverPort, { delayMs: 10, method: "kill" });
  const pid: number = status.pid;
  const t = trackEvent<string>(new EventTarget(), "x");
  await pollUntil(() => t.didFire(), { timeout: 10 });
  await up.addToxic({ type: "latency", attributes: { latency: 10 } });
  const e: FaultlineError = new FaultlineError("x");
  console.log(pid, e.status, await waitForEvent(new EventTarget(), "y", 1));
  await up.stop();
}
main();
async function misuse(up: Faultline): Promise<void> {
  // @ts-expect-error: a restart's method is "terminate" or "kill"
  await up.restartServer(up.serverPort, { method: "nuke" });
  // @ts-expect-error: a port is a number
  await up.killServer("8188");
}
void misuse;
