// What every test file shares: one `faultline up` per file, its server running before each test,
// and clients destroyed after the test that made them.
import { after, before, beforeEach } from "node:test";
import { Faultline } from "../faultline.mjs";
import { MiniComfyClient } from "../examples/mini-comfy-client.mjs";

/** Starts `faultline up` for the file; the returned object's `faultline` is set once it is ready. */
export function useFaultline(args = ["--node-time", "50ms"]) {
  const context = { faultline: undefined };
  before(async () => {
    context.faultline = await Faultline.start({ args });
  });
  after(async () => {
    await context.faultline?.stop();
  });
  beforeEach(async () => {
    const { faultline } = context;
    await faultline.clearToxics();
    if (!(await faultline.isRunning())) await faultline.startServer(faultline.serverPort);
  });
  return context;
}

/** A client of the proxy, destroyed when the test `t` ends. */
export function clientFor(t, faultline, options = {}) {
  const client = new MiniComfyClient(faultline.proxyUrl, options);
  t.after(() => client.destroy());
  return client;
}
