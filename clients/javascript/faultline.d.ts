// Types of faultline.mjs: Faultline for JavaScript and TypeScript tests (Node 20+).

/** The error every helper throws; `status` is the HTTP status when the control API refused a call. */
export class FaultlineError extends Error {
  status?: number;
}

/** A mock server's status, as the control API answers it. */
export interface ServerStatus {
  port: number;
  pid: number;
  running: boolean;
  paused: boolean;
  url: string;
  /** Once it ended: "exited with code 0", "killed by signal 9". */
  exit?: string;
}

/** A Toxiproxy toxic: {type, name?, stream?, toxicity?, attributes}. */
export interface Toxic {
  type: string;
  name?: string;
  stream?: "upstream" | "downstream" | "both";
  toxicity?: number;
  attributes?: Record<string, unknown>;
}

/** The first line `faultline up` prints. */
export interface ReadyLine {
  ready: true;
  proxy: string;
  server: string;
  api: string;
  pid: number;
  server_pid: number;
  proxy_name: string;
  seed: number;
  profile?: string;
}

export interface StartOptions {
  /** The faultline binary; default $FAULTLINE_BIN, else `faultline` on PATH. */
  binary?: string;
  /** More `faultline up` arguments, e.g. ["--profile", "profiles/3g.yaml"]. */
  args?: string[];
  /** How long to wait for the ready line, in ms (default 60000). */
  readyTimeout?: number;
  env?: Record<string, string | undefined>;
}

/** A running `faultline up`: a mock server behind a fault-injecting proxy, and its control API. */
export class Faultline {
  static start(options?: StartOptions): Promise<Faultline>;
  readonly ready: ReadyLine;
  /** What the client under test uses. */
  readonly proxyUrl: string;
  /** The same server without faults. */
  readonly serverUrl: string;
  readonly apiUrl: string;
  /** The port of `up`'s own server, behind the proxy; the default of every server call. */
  readonly serverPort: number;
  readonly proxyName: string;
  readonly seed: number;
  stop(timeout?: number): Promise<void>;
  request(method: string, path: string, body?: unknown, options?: { timeout?: number; allow404?: boolean }): Promise<any>;

  startServer(port?: number): Promise<ServerStatus>;
  stopServer(port?: number): Promise<ServerStatus>;
  killServer(port?: number): Promise<ServerStatus>;
  pauseServer(port?: number): Promise<ServerStatus>;
  resumeServer(port?: number): Promise<ServerStatus>;
  restartServer(port?: number, options?: { delayMs?: number; method?: "terminate" | "kill" }): Promise<ServerStatus>;
  killAll(): Promise<void>;
  listServers(): Promise<ServerStatus[]>;
  getServer(port?: number): Promise<ServerStatus | undefined>;
  isRunning(port?: number): Promise<boolean>;

  addToxic(toxic: Toxic, proxy?: string): Promise<Toxic>;
  removeToxic(name: string, proxy?: string): Promise<void>;
  toxics(proxy?: string): Promise<Toxic[]>;
  clearToxics(proxy?: string): Promise<void>;
  setProxyEnabled(enabled: boolean, proxy?: string): Promise<unknown>;
  loadProfile(yaml: string, proxy?: string): Promise<{ profile: string; seed: number; proxy: string }>;
  createProxy(name: string, upstreamPort: number): Promise<string>;
}

/** Anything that says whether it is connected: `isConnected()`, `connected` or `state === "connected"`. */
export type Connectable = { isConnected(): boolean } | { connected: boolean } | { state: string };
/** A Node EventEmitter or a DOM EventTarget. */
export type Emitter =
  | { on(name: string, listener: (value: any) => void): unknown; off(name: string, listener: (value: any) => void): unknown }
  | EventTarget;

export interface EventTracker<T = any> {
  /** Resolves with the first event's argument. */
  promise: Promise<T>;
  events: { value: T; at: number }[];
  didFire(): boolean;
  count(): number;
  wait(count?: number, timeout?: number): Promise<{ value: T; at: number }[]>;
  cleanup(): void;
}

export function sleep(ms: number): Promise<void>;
export function pollUntil<T>(
  condition: () => T | Promise<T>,
  options?: { timeout?: number; interval?: number; what?: string },
): Promise<T>;
export function waitForConnection(client: Connectable, timeout?: number): Promise<unknown>;
export function waitForDisconnection(client: Connectable, timeout?: number): Promise<unknown>;
export function trackEvent<T = any>(emitter: Emitter, name: string): EventTracker<T>;
export function waitForEvent<T = any>(emitter: Emitter, name: string, timeout?: number): Promise<T>;
export function faultlineAvailable(binary?: string): boolean;
