// The seed's three step-by-step examples: copy one to start a test of your own client.
import assert from "node:assert/strict";
import { test } from "node:test";
import { pollUntil, trackEvent, waitForConnection, waitForDisconnection } from "../faultline.mjs";
import { clientFor, useFaultline } from "./support.mjs";

const context = useFaultline();

test("basic reconnection flow", async (t) => {
  const { faultline } = context;
  // Step 1: `faultline up` runs a server behind a proxy (useFaultline); the client uses the proxy.
  const client = clientFor(t, faultline);
  // Step 2: connect.
  await client.connect();
  // Step 3: the server goes down (SIGTERM; the mock says goodbye with close code 1001).
  await faultline.stopServer();
  await waitForDisconnection(client);
  // Step 4: a new server process on the same port.
  await faultline.startServer(faultline.serverPort);
  // Step 5: reconnect by hand, and check.
  await client.reconnect();
  await waitForConnection(client);
  assert.equal(await client.validateConnection(), true);
});

test("auto-reconnection with server restart", async (t) => {
  const { faultline } = context;
  const client = clientFor(t, faultline, { autoReconnect: true });
  await client.connect();
  const reconnected = trackEvent(client, "reconnected"); // subscribe before the crash
  await faultline.restartServer(faultline.serverPort, { method: "kill", delayMs: 500 });
  await reconnected.wait();
  assert.equal(await client.validateConnection(), true);
});

test("multiple server restarts", async (t) => {
  const { faultline } = context;
  const client = clientFor(t, faultline, { autoReconnect: true });
  await client.connect();
  const reconnected = trackEvent(client, "reconnected");
  for (let cycle = 1; cycle <= 3; cycle++) {
    const started = Date.now();
    await faultline.restartServer(faultline.serverPort, { method: "kill", delayMs: 200 });
    // Back by a reconnection made since this restart began.
    await pollUntil(() => client.isConnected() && reconnected.events.some((e) => e.at >= started), {
      what: `the client back after restart ${cycle}`,
    });
  }
  assert.equal(await client.validateConnection(), true);
});
