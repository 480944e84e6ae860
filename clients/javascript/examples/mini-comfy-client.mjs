// A small ComfyUI client with real reconnection logic, written the way an application's client
// is: the client under test in the example tests (it is not part of the helper module).
// WebSocket from the `ws` package (Debian: node-ws, installed under /usr/share/nodejs).
import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
function loadWebSocket() {
  for (const name of ["ws", "/usr/share/nodejs/ws"]) {
    try {
      return require(name);
    } catch {}
  }
  throw new Error("the ws package is missing: apt-get install node-ws (or npm install ws)");
}
const WebSocket = loadWebSocket();

/**
 * Connects to a ComfyUI server's /ws and HTTP routes. Events: "state" (the new state), "connected",
 * "disconnected" (reason), "reconnecting" (attempt), "reconnected", "reconnection_failed",
 * "message" (every JSON message) and one event per message type ("status", "executing", ...).
 * States: idle, connecting, connected, disconnected, reconnecting, failed, destroyed.
 */
export class MiniComfyClient extends EventEmitter {
  constructor(
    baseUrl,
    {
      clientId = randomUUID(),
      autoReconnect = false,
      initialDelay = 100,
      maxDelay = 1000,
      maxAttempts = Infinity,
      connectTimeout = 2000,
      silenceTimeout = undefined,
      onReconnectionFailed = undefined,
    } = {},
  ) {
    super();
    this.baseUrl = baseUrl.replace(/\/$/, "");
    this.clientId = clientId;
    this.options = { autoReconnect, initialDelay, maxDelay, maxAttempts, connectTimeout, silenceTimeout };
    this.onReconnectionFailed = onReconnectionFailed;
    this.state = "idle";
    this.socket = undefined;
    this.reconnecting = false;
  }

  isConnected() {
    return this.state === "connected";
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.emit("state", state);
  }

  /** Opens the WebSocket; rejects when the server does not answer within connectTimeout. */
  connect() {
    return this.establish("connecting", "connected");
  }

  /** A manual reconnection (the seed's reconnectWs(true)): a new socket, whatever the old one does. */
  reconnect() {
    this.dropSocket();
    return this.establish("reconnecting", "reconnected");
  }

  async establish(state, event) {
    this.setState(state);
    try {
      await this.open();
    } catch (error) {
      this.setState("disconnected");
      throw error;
    }
    this.setState("connected");
    this.emit(event);
  }

  open() {
    const url = `${this.baseUrl.replace(/^http/, "ws")}/ws?clientId=${encodeURIComponent(this.clientId)}`;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { handshakeTimeout: this.options.connectTimeout });
      let opened = false;
      socket.on("open", () => {
        opened = true;
        this.socket = socket;
        this.watchSilence(socket);
        resolve();
      });
      socket.on("message", (data, isBinary) => {
        this.heard(socket);
        if (isBinary) return this.emit("binary", data);
        let message;
        try {
          message = JSON.parse(data.toString());
        } catch {
          return;
        }
        this.emit("message", message);
        this.emit(message.type, message.data);
      });
      socket.on("pong", () => this.heard(socket));
      socket.on("error", (error) => {
        if (!opened) reject(error);
      });
      socket.on("close", (code) => {
        clearInterval(socket.pinger);
        if (!opened) return reject(new Error(`closed before opening (${code})`));
        if (this.socket === socket) this.lost(`closed (${code})`);
      });
    });
  }

  // With a silence deadline, a ping every third of it; a socket that hears nothing for the whole
  // deadline is given up, as a half-open connection otherwise never would be.
  watchSilence(socket) {
    const deadline = this.options.silenceTimeout;
    if (!deadline) return;
    socket.lastHeard = Date.now();
    socket.pinger = setInterval(() => {
      if (Date.now() - socket.lastHeard > deadline) {
        clearInterval(socket.pinger);
        socket.terminate();
        if (this.socket === socket) this.lost(`no frame for ${deadline} ms`);
        return;
      }
      try {
        socket.ping();
      } catch {}
    }, deadline / 3);
  }

  heard(socket) {
    socket.lastHeard = Date.now();
  }

  dropSocket() {
    const socket = this.socket;
    this.socket = undefined;
    if (socket) {
      clearInterval(socket.pinger);
      socket.removeAllListeners("close");
      socket.on("error", () => {});
      socket.terminate();
    }
  }

  lost(reason) {
    this.socket = undefined;
    if (this.state === "destroyed") return;
    this.setState("disconnected");
    this.emit("disconnected", reason);
    if (this.options.autoReconnect) this.reconnectLoop();
  }

  async reconnectLoop() {
    if (this.reconnecting) return;
    this.reconnecting = true;
    let delay = this.options.initialDelay;
    try {
      for (let attempt = 1; attempt <= this.options.maxAttempts; attempt++) {
        if (this.state === "destroyed") return;
        this.setState("reconnecting");
        this.emit("reconnecting", attempt);
        try {
          await this.open();
          this.setState("connected");
          this.emit("reconnected");
          return;
        } catch {
          await new Promise((resolve) => setTimeout(resolve, delay));
          delay = Math.min(this.options.maxDelay, delay * 2);
        }
      }
      this.setState("failed");
      this.emit("reconnection_failed");
      this.onReconnectionFailed?.();
    } finally {
      this.reconnecting = false;
    }
  }

  /** True when the server answers its HTTP API within `timeout` ms. */
  async validateConnection(timeout = 2000) {
    try {
      const response = await fetch(`${this.baseUrl}/system_stats`, { signal: AbortSignal.timeout(timeout) });
      await response.arrayBuffer();
      return response.ok;
    } catch {
      return false;
    }
  }

  /** POST /prompt with our clientId; resolves to the prompt_id. */
  async queuePrompt(prompt) {
    const response = await fetch(`${this.baseUrl}/prompt`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ prompt, client_id: this.clientId }),
      signal: AbortSignal.timeout(5000),
    });
    const body = await response.json();
    if (!response.ok) throw new Error(`prompt refused: ${JSON.stringify(body.error ?? body)}`);
    return body.prompt_id;
  }

  /**
   * Resolves once the prompt finished, with its history entry. The end is `executing` with
   * `node: null` for our prompt: ComfyUI sends it after it stored the history entry, whereas
   * `execution_success` comes before, so reading /history on that one races the server.
   */
  async waitForPrompt(promptId, timeout = 20_000) {
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off("executing", done);
        reject(new Error(`prompt ${promptId} did not finish within ${timeout} ms`));
      }, timeout);
      const done = (data) => {
        if (data?.node !== null || data?.prompt_id !== promptId) return;
        clearTimeout(timer);
        this.off("executing", done);
        resolve();
      };
      this.on("executing", done);
    });
    const response = await fetch(`${this.baseUrl}/history/${promptId}`, { signal: AbortSignal.timeout(5000) });
    return (await response.json())[promptId];
  }

  destroy() {
    this.setState("destroyed");
    this.dropSocket();
    this.removeAllListeners();
  }
}

/** The text-to-image graph the mock runs (a new seed each time, as the UI sends). */
export function textToImage() {
  const seed = Math.floor(Math.random() * 1e9);
  return {
    3: { class_type: "KSampler", inputs: { seed, steps: 4, cfg: 8, sampler_name: "euler", scheduler: "normal", denoise: 1, model: ["4", 0], positive: ["6", 0], negative: ["7", 0], latent_image: ["5", 0] } },
    4: { class_type: "CheckpointLoaderSimple", inputs: { ckpt_name: "v1-5-pruned-emaonly.safetensors" } },
    5: { class_type: "EmptyLatentImage", inputs: { width: 512, height: 512, batch_size: 1 } },
    6: { class_type: "CLIPTextEncode", inputs: { text: "a lighthouse in a storm", clip: ["4", 1] } },
    7: { class_type: "CLIPTextEncode", inputs: { text: "blurry", clip: ["4", 1] } },
    8: { class_type: "VAEDecode", inputs: { samples: ["3", 0], vae: ["4", 2] } },
    9: { class_type: "SaveImage", inputs: { filename_prefix: "ComfyUI", images: ["8", 0] } },
  };
}
