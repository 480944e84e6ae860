// Faultline for JavaScript tests (Node 20+, no dependencies): starts `faultline up`, crashes and
// restarts its mock ComfyUI servers, changes the proxy's faults, and waits for what a client does.
// Types: faultline.d.ts. Guide: docs/other-languages.md.
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";

/** The error every helper throws: what was being done, and what went wrong. */
export class FaultlineError extends Error {
  constructor(message, details = {}) {
    super(message);
    this.name = "FaultlineError";
    Object.assign(this, details);
  }
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Polls `condition` (sync or async) every `interval` ms until it returns a truthy value, and
 * returns that value; throws a FaultlineError naming `what` after `timeout` ms.
 */
export async function pollUntil(condition, { timeout = 10_000, interval = 25, what = "the condition" } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await condition();
    if (value) return value;
    if (Date.now() >= deadline) throw new FaultlineError(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
  }
}

// A client says it is connected through `isConnected()`, `connected` or `readyState === "connected"`.
function isConnected(client) {
  if (typeof client.isConnected === "function") return client.isConnected();
  if (typeof client.connected === "boolean") return client.connected;
  return client.state === "connected";
}

/** Waits until the client reports a connection (see `isConnected` above). */
export function waitForConnection(client, timeout = 10_000) {
  return pollUntil(() => isConnected(client), { timeout, what: "the client to connect" });
}

/** Waits until the client reports no connection. */
export function waitForDisconnection(client, timeout = 10_000) {
  return pollUntil(() => !isConnected(client), { timeout, what: "the client to disconnect" });
}

function subscribe(emitter, name, listener) {
  if (typeof emitter.on === "function") {
    emitter.on(name, listener);
    return () => emitter.off(name, listener);
  }
  if (typeof emitter.addEventListener === "function") {
    emitter.addEventListener(name, listener);
    return () => emitter.removeEventListener(name, listener);
  }
  throw new FaultlineError("trackEvent needs an EventEmitter or an EventTarget");
}

/**
 * Records every `name` event from now on. Subscribe before the action whose consequence you want
 * to see. `promise` resolves with the first event's argument.
 */
export function trackEvent(emitter, name) {
  const events = [];
  let resolveFirst;
  const promise = new Promise((resolve) => (resolveFirst = resolve));
  const unsubscribe = subscribe(emitter, name, (value) => {
    events.push({ value, at: Date.now() });
    if (events.length === 1) resolveFirst(value);
  });
  return {
    promise,
    events,
    didFire: () => events.length > 0,
    count: () => events.length,
    /** Waits until `count` events have arrived. */
    wait: (count = 1, timeout = 10_000) =>
      pollUntil(() => events.length >= count && events, { timeout, what: `${count} "${name}" event(s)` }),
    cleanup: unsubscribe,
  };
}

/** Waits for the next `name` event and returns its argument; throws after `timeout` ms. */
export async function waitForEvent(emitter, name, timeout = 10_000) {
  const tracker = trackEvent(emitter, name);
  let timer;
  try {
    return await Promise.race([
      tracker.promise,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new FaultlineError(`timed out after ${timeout} ms waiting for the "${name}" event`)),
          timeout,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    tracker.cleanup();
  }
}

// Processes started here, ended synchronously if the test runner exits without stopping them
// (the `--exit-with-parent` pipe covers a runner that is killed outright).
const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * A running `faultline up`: a mock ComfyUI server behind a fault-injecting proxy, and the control
 * API that manages both. Start it with `Faultline.start()`, end it with `stop()`.
 */
export class Faultline {
  /**
   * Starts `faultline up` and resolves once it printed its ready line.
   * Options: binary (default $FAULTLINE_BIN or `faultline` on PATH), args (more `up` arguments,
   * e.g. ["--profile", "profiles/3g.yaml"]), readyTimeout (ms, default 60000), env.
   */
  static async start({ binary = process.env.FAULTLINE_BIN || "faultline", args = [], readyTimeout = 60_000, env } = {}) {
    const child = spawn(binary, ["up", "--exit-with-parent", ...args], {
      stdio: ["pipe", "pipe", "pipe"],
      env: env ?? process.env,
    });
    running.add(child);
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text) => {
      stderr = (stderr + text).slice(-4000);
    });
    const lines = createInterface({ input: child.stdout });
    const exited = once(child, "exit");
    let timer;
    try {
      const line = await Promise.race([
        once(lines, "line").then(([text]) => text),
        once(child, "error").then(([error]) => {
          throw new FaultlineError(`could not start ${binary}: ${error.message}`);
        }),
        exited.then(([code, signal]) => {
          throw new FaultlineError(`faultline up exited (${signal ?? `code ${code}`}) before it was ready: ${stderr.trim()}`);
        }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new FaultlineError(`faultline up printed no ready line within ${readyTimeout} ms: ${stderr.trim()}`)),
            readyTimeout,
          );
        }),
      ]);
      const ready = JSON.parse(line);
      return new Faultline(child, ready, exited);
    } catch (error) {
      child.kill("SIGKILL");
      running.delete(child);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  constructor(child, ready, exited) {
    this.child = child;
    this.ready = ready;
    this.exited = exited;
    /** What the client under test uses: the proxy in front of the server. */
    this.proxyUrl = ready.proxy;
    /** The same server without faults. */
    this.serverUrl = ready.server;
    /** The control API (Toxiproxy's routes plus /faultline/...). */
    this.apiUrl = ready.api;
    /** The port of `up`'s own server, the one behind the proxy. */
    this.serverPort = Number(new URL(ready.server).port);
    /** The proxy's name in the control API. */
    this.proxyName = ready.proxy_name ?? "comfy";
    this.seed = ready.seed;
  }

  /** Ends `faultline up` (SIGTERM) and with it every server it started; resolves once it exited. */
  async stop(timeout = 10_000) {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill("SIGTERM");
      const timer = setTimeout(() => this.child.kill("SIGKILL"), timeout);
      await this.exited;
      clearTimeout(timer);
    }
    running.delete(this.child);
  }

  /** One control-API call: JSON in, JSON out (undefined for 204); a FaultlineError with the API's message otherwise. */
  async request(method, path, body, { timeout = 30_000, allow404 = false } = {}) {
    const headers = {};
    let payload;
    if (typeof body === "string") {
      payload = body;
      headers["content-type"] = "text/plain";
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers["content-type"] = "application/json";
    }
    let response;
    try {
      response = await fetch(this.apiUrl + path, { method, headers, body: payload, signal: AbortSignal.timeout(timeout) });
    } catch (error) {
      throw new FaultlineError(`${method} ${path}: ${error.message}`);
    }
    if (response.status === 404 && allow404) return undefined;
    const text = await response.text();
    if (!response.ok) {
      let message = text;
      try {
        message = JSON.parse(text).error ?? text;
      } catch {}
      throw new FaultlineError(`${method} ${path}: HTTP ${response.status}: ${message}`, { status: response.status });
    }
    return text ? JSON.parse(text) : undefined;
  }

  // The servers' life: each server is known by its port; answers are its status
  // {port, pid, running, paused, url, exit}. Every call returns once the signal has had its effect.

  /** Starts a new `faultline mock` (port 0: a free one). */
  startServer(port = 0) {
    return this.request("POST", "/faultline/servers", port ? { port } : {});
  }
  /** SIGTERM (the server says goodbye with close code 1001), SIGKILL after a grace period. */
  stopServer(port = this.serverPort) {
    return this.request("POST", `/faultline/servers/${port}/stop`);
  }
  /** SIGKILL: a crash, no goodbye. */
  killServer(port = this.serverPort) {
    return this.request("POST", `/faultline/servers/${port}/kill`);
  }
  /** SIGSTOP: sockets stay open, nothing answers. */
  pauseServer(port = this.serverPort) {
    return this.request("POST", `/faultline/servers/${port}/pause`);
  }
  /** SIGCONT. */
  resumeServer(port = this.serverPort) {
    return this.request("POST", `/faultline/servers/${port}/resume`);
  }
  /** Ends the server (`method`: "terminate" or "kill"), waits `delayMs`, starts a new one on the same port. */
  restartServer(port = this.serverPort, { delayMs = 0, method = "terminate" } = {}) {
    return this.request("POST", `/faultline/servers/${port}/restart`, { delay_ms: delayMs, method });
  }
  /** Stops every server. */
  async killAll() {
    await this.request("DELETE", "/faultline/servers");
  }
  /** Every server's status. */
  async listServers() {
    return (await this.request("GET", "/faultline/servers")).servers;
  }
  /** The status of the server on `port`, or undefined when none is managed there. */
  getServer(port = this.serverPort) {
    return this.request("GET", `/faultline/servers/${port}`, undefined, { allow404: true });
  }
  /** True while a server runs on `port` (paused counts as running). */
  async isRunning(port = this.serverPort) {
    return (await this.getServer(port))?.running === true;
  }

  // Faults, through Toxiproxy's API (docs/control-api.md) and our profile route.

  /** Adds a toxic, e.g. {type: "latency", stream: "downstream", attributes: {latency: 300}}. */
  addToxic(toxic, proxy = this.proxyName) {
    return this.request("POST", `/proxies/${proxy}/toxics`, toxic);
  }
  /** Removes the toxic called `name`. */
  removeToxic(name, proxy = this.proxyName) {
    return this.request("DELETE", `/proxies/${proxy}/toxics/${name}`);
  }
  /** Every toxic of the proxy. */
  toxics(proxy = this.proxyName) {
    return this.request("GET", `/proxies/${proxy}/toxics`);
  }
  /** Removes every toxic of the proxy. */
  async clearToxics(proxy = this.proxyName) {
    for (const toxic of await this.toxics(proxy)) await this.removeToxic(toxic.name, proxy);
  }
  /** A disabled proxy refuses connections and closes the ones it has. */
  setProxyEnabled(enabled, proxy = this.proxyName) {
    return this.request("POST", `/proxies/${proxy}`, { enabled });
  }
  /** Replaces the proxy's faults with a profile (YAML text, docs/profiles.md); its timeline starts now. */
  loadProfile(yaml, proxy = this.proxyName) {
    return this.request("POST", `/faultline/proxies/${proxy}/profile`, yaml);
  }
  /** A new proxy in front of `upstreamPort` (a server started with startServer); resolves to its URL. */
  async createProxy(name, upstreamPort) {
    const proxy = await this.request("POST", "/proxies", {
      name,
      listen: "127.0.0.1:0",
      upstream: `127.0.0.1:${upstreamPort}`,
      enabled: true,
    });
    return `http://${proxy.listen}`;
  }
}

/** `faultline` as found by Faultline.start, for a test that wants to skip when it is missing. */
export function faultlineAvailable(binary = process.env.FAULTLINE_BIN || "faultline") {
  return spawnSync(binary, ["--help"], { stdio: "ignore" }).status === 0;
}
