// The network side through the helper: toxics and profiles on the proxy in front of the server,
// seen by the small client.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FaultlineError, trackEvent, waitForEvent } from "../faultline.mjs";
import { clientFor, useFaultline } from "./support.mjs";

const context = useFaultline();

test("a half-open connection is noticed only by a client that listens for silence", async (t) => {
  const { faultline } = context;
  const deaf = clientFor(t, faultline, { autoReconnect: true });
  const watchful = clientFor(t, faultline, { autoReconnect: true, silenceTimeout: 1500 });
  await deaf.connect();
  await watchful.connect();
  const deafLost = trackEvent(deaf, "disconnected");
  const lost = trackEvent(watchful, "disconnected");
  await faultline.addToxic({ type: "half_open", name: "silence", stream: "downstream", attributes: {} });
  await lost.wait(1, 10_000);
  assert.equal(deafLost.didFire(), false, "without a deadline the client never notices");
  assert.equal(deaf.isConnected(), true);
  const reconnected = waitForEvent(watchful, "reconnected", 15_000);
  await faultline.removeToxic("silence");
  await reconnected;
  assert.equal(await watchful.validateConnection(), true);
});

test("a profile's latency slows every answer until it is replaced", async (t) => {
  const { faultline } = context;
  const client = clientFor(t, faultline);
  const profile = "name: slow\ndescription: test\nfaults:\n  - type: latency\n    stream: downstream\n    latency: 400ms\n";
  const loaded = await faultline.loadProfile(profile);
  assert.equal(loaded.profile, "slow");
  const started = Date.now();
  assert.equal(await client.validateConnection(5000), true);
  assert.ok(Date.now() - started >= 400, `an answer took ${Date.now() - started} ms`);
  await faultline.clearToxics();
  assert.deepEqual(await faultline.toxics(), []);
});

test("the API's refusals come back as errors naming the problem", async () => {
  const { faultline } = context;
  await assert.rejects(faultline.killServer(1), (error) => {
    assert.ok(error instanceof FaultlineError);
    assert.equal(error.status, 404);
    return true;
  });
  await assert.rejects(faultline.loadProfile("faults: [\n"), /HTTP 400/);
  await assert.rejects(faultline.startServer(faultline.serverPort), /HTTP 409/);
});

test("several servers at once, each behind a proxy of its own", async (t) => {
  const { faultline } = context;
  const second = await faultline.startServer();
  t.after(() => faultline.stopServer(second.port).catch(() => {}));
  assert.notEqual(second.port, faultline.serverPort);
  const url = await faultline.createProxy("second", second.port);
  t.after(() => faultline.request("DELETE", "/proxies/second"));
  const ports = (await faultline.listServers()).map((s) => s.port);
  assert.ok(ports.includes(second.port) && ports.includes(faultline.serverPort));
  const response = await fetch(`${url}/system_stats`);
  assert.equal(response.status, 200);
  await response.arrayBuffer();
  const paused = await faultline.pauseServer(second.port);
  assert.equal(paused.paused, true);
  await assert.rejects(fetch(`${url}/system_stats`, { signal: AbortSignal.timeout(500) }));
  await faultline.resumeServer(second.port);
  assert.equal((await fetch(`${url}/system_stats`)).status, 200);
});
