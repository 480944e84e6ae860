// The seed's ten reconnection tests, against a real `faultline mock` behind the proxy, with the
// small client in examples/ as the client under test.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { trackEvent, waitForConnection, waitForDisconnection, pollUntil } from "../faultline.mjs";
import { textToImage } from "../examples/mini-comfy-client.mjs";
import { clientFor, useFaultline } from "./support.mjs";

const context = useFaultline();

// Connected again by a reconnection made since `instant`. (A server that is shutting down may still
// take a connection and close it, so reconnections are not one per restart.)
function backSince(client, reconnected, instant, cycle) {
  return pollUntil(() => client.isConnected() && reconnected.events.some((e) => e.at >= instant), {
    what: `the client back after restart ${cycle}`,
  });
}

describe("manual reconnection", () => {
  test("successfully reconnects after server restart", async (t) => {
    const { faultline } = context;
    const client = clientFor(t, faultline);
    await client.connect();
    await faultline.stopServer();
    await waitForDisconnection(client);
    await faultline.startServer(faultline.serverPort);
    await client.reconnect();
    await waitForConnection(client);
    assert.equal(await client.validateConnection(), true);
  });

  test("handles multiple reconnection attempts", async (t) => {
    const { faultline } = context;
    const client = clientFor(t, faultline, { connectTimeout: 1000 });
    await client.connect();
    await faultline.killServer();
    await waitForDisconnection(client);
    await assert.rejects(client.reconnect(), "no server: the first attempt fails");
    await assert.rejects(client.reconnect(), "still none: the second fails too");
    await faultline.startServer(faultline.serverPort);
    await client.reconnect();
    assert.equal(client.isConnected(), true);
  });
});

describe("automatic reconnection", () => {
  test("automatically reconnects when autoReconnect is enabled", async (t) => {
    const { faultline } = context;
    const client = clientFor(t, faultline, { autoReconnect: true });
    await client.connect();
    const disconnected = trackEvent(client, "disconnected");
    await faultline.restartServer(faultline.serverPort, { delayMs: 300 });
    await disconnected.wait();
    await waitForConnection(client);
    assert.equal(await client.validateConnection(), true);
  });

  test("emits reconnected event on successful auto-reconnection", async (t) => {
    const { faultline } = context;
    const client = clientFor(t, faultline, { autoReconnect: true });
    await client.connect();
    const reconnected = trackEvent(client, "reconnected");
    await faultline.restartServer(faultline.serverPort, { method: "kill" });
    await reconnected.wait();
    assert.equal(reconnected.count(), 1);
  });
});

describe("connection state transitions", () => {
  test("tracks connection state through server lifecycle", async (t) => {
    const { faultline } = context;
    const client = clientFor(t, faultline, { autoReconnect: true });
    const states = trackEvent(client, "state");
    await client.connect();
    await faultline.stopServer();
    await pollUntil(() => states.events.some((e) => e.value === "reconnecting"), { what: "a reconnecting state" });
    await faultline.startServer(faultline.serverPort);
    await waitForConnection(client);
    const sequence = states.events.map((e) => e.value);
    const expected = ["connecting", "connected", "disconnected", "reconnecting", "connected"];
    let at = 0;
    for (const state of sequence) if (state === expected[at]) at++;
    assert.equal(at, expected.length, `states seen in order: ${sequence.join(" → ")}`);
  });
});

describe("connection validation", () => {
  test("validateConnection returns true when server is up", async (t) => {
    const client = clientFor(t, context.faultline);
    await client.connect();
    assert.equal(await client.validateConnection(), true);
  });

  test("validateConnection returns false when server is down", async (t) => {
    const { faultline } = context;
    const client = clientFor(t, faultline);
    await client.connect();
    await faultline.killServer();
    assert.equal(await client.validateConnection(), false);
  });
});

describe("reconnection failure handling", () => {
  test("invokes onReconnectionFailed callback", async (t) => {
    const { faultline } = context;
    let failures = 0;
    const client = clientFor(t, faultline, {
      autoReconnect: true,
      maxAttempts: 3,
      initialDelay: 50,
      connectTimeout: 1000,
      onReconnectionFailed: () => failures++,
    });
    await client.connect();
    const attempts = trackEvent(client, "reconnecting");
    await faultline.killServer();
    await pollUntil(() => failures > 0, { what: "onReconnectionFailed" });
    assert.equal(failures, 1);
    assert.equal(attempts.count(), 3);
    assert.equal(client.state, "failed");
  });
});

describe("multiple server restarts", () => {
  test("handles multiple server restarts gracefully", async (t) => {
    const { faultline } = context;
    const client = clientFor(t, faultline, { autoReconnect: true });
    await client.connect();
    const reconnected = trackEvent(client, "reconnected");
    for (let cycle = 1; cycle <= 3; cycle++) {
      const before = (await faultline.getServer()).pid;
      const started = Date.now();
      const after = await faultline.restartServer(faultline.serverPort, { method: cycle === 2 ? "kill" : "terminate" });
      assert.notEqual(after.pid, before, "a new process each time");
      await backSince(client, reconnected, started, cycle);
    }
    assert.equal(await client.validateConnection(), true);
  });
});

describe("websocket message handling", () => {
  test("receives messages correctly after reconnection", async (t) => {
    const { faultline } = context;
    const client = clientFor(t, faultline, { autoReconnect: true });
    await client.connect();
    const reconnected = trackEvent(client, "reconnected");
    await faultline.restartServer(faultline.serverPort, { method: "kill" });
    const status = trackEvent(client, "status");
    await reconnected.wait();
    await status.wait(1);
    const executing = trackEvent(client, "executing");
    const promptId = await client.queuePrompt(textToImage());
    const history = await client.waitForPrompt(promptId);
    assert.ok(history?.outputs?.["9"]?.images?.length > 0, `the saved image is in the history: ${JSON.stringify(history)}`);
    assert.ok(executing.events.some((e) => e.value?.node === "3"), "the sampler's executing message arrived");
  });
});
