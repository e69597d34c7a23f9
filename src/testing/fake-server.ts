import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** A request as a fake received it. */
export interface RecordedRequest {
  method: string;
  /** Path without the mount prefix, e.g. `/jobs/12/candidates`. */
  path: string;
  query: URLSearchParams;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** Parsed body: JSON value, form fields, or multipart fields (files as {@link ReceivedFile}). */
  body: unknown;
  /** Raw body text (empty for multipart). */
  text: string;
  contentType: string;
}

/** A file received in a multipart body. */
export interface ReceivedFile {
  fileName: string;
  contentType: string;
  size: number;
  bytes: Uint8Array;
}

/** What a route handler gets. */
export interface FakeRequest extends RecordedRequest {
  /** Route parameters (`:jobId`). */
  params: Record<string, string>;
}

/** What a route handler answers. */
export interface FakeResponse {
  status: number;
  /** JSON-encoded unless `raw` is given. */
  body?: unknown;
  /** Sent as is (text or bytes). */
  raw?: string | Uint8Array;
  headers?: Record<string, string>;
}

/** A scripted failure for the next matching requests. */
export interface FaultSpec {
  /** Only requests with this method. */
  method?: string;
  /** Only requests whose path equals this string or matches this pattern. */
  path?: string | RegExp;
  /** How many matching requests fail. @default 1 */
  times?: number;
  /** Answer this status instead of handling the request (nothing is processed). */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering (after processing). */
  delayMs?: number;
  /** Wait this long before processing (a slow vendor: the work happens late, then the answer). */
  delayBeforeMs?: number;
  /**
   * Close the connection without an answer: `before` processing (nothing happened) or `after`
   * processing (the vendor did the work but the answer is lost).
   */
  drop?: "before" | "after";
}

/**
 * A vendor's rate and concurrency limits, enforced by a fake per credential as the vendor does: a sliding
 * window (never more than `requests` accepted in any `perMs`, whichever instant it starts at), requests in
 * flight, and lanes with their own concurrency (SmartRecruiters' candidate search: 1). Over a limit, the fake
 * answers 429 like the vendor, with `Retry-After` when the vendor sends one.
 */
export interface FakeLimits {
  /** Requests accepted per credential in any window of `perMs`. Absent: no rate limit. */
  requests?: number;
  /** Length of the sliding window. @default 1000 */
  perMs?: number;
  /** Requests per credential in flight at once. Absent: no concurrency limit. */
  concurrency?: number;
  /** Routes with their own concurrency per credential, counted on top of the overall one. */
  lanes?: readonly FakeLane[];
  /** Only requests whose path matches are limited (Greenhouse: only v1 has a fixed budget). @default all */
  paths?: RegExp;
  /** Send `Retry-After` (seconds until the window frees a slot) with a 429. @default false */
  retryAfter?: boolean;
  /** The credential a request counts against (the key, the token's principal). @default the authorization header */
  credential?: (request: { method: string; path: string; headers: Record<string, string> }) => string;
  /** The 429 answer as the vendor words it. @default `{ message: "Too Many Requests" }` */
  refusal?: (reason: "rate" | "concurrency", lane: string | undefined) => FakeResponse;
}

/** A route with its own concurrency limit (see {@link FakeLimits.lanes}). */
export interface FakeLane {
  name: string;
  method: string;
  path: RegExp;
  concurrency: number;
}

/**
 * What a fake saw of the client's pace, for tests and benchmarks: the most requests one credential sent in
 * any window and at once (refused ones included, so a client over the limit shows it), and the 429s the fake
 * answered because a limit was exceeded (scripted faults are not counted).
 */
export interface FakeLimitStats {
  /** Requests received. */
  requests: number;
  /**
   * 429 answers given because a limit was exceeded: the limits of {@link FakeServer.limit} and the
   * vendor-specific ones a fake has on its own (Breezy's and Greenhouse's fixed windows).
   */
  throttled: number;
  /** Of which, by {@link FakeServer.limit}: the sliding window was full. */
  throttledByRate: number;
  /** Of which, by {@link FakeServer.limit}: too many requests in flight (overall or in a lane). */
  throttledByConcurrency: number;
  /** Most requests of one credential that arrived within one window of `perMs` (0 without a window). */
  maxInWindow: number;
  /** Most requests of one credential in flight at once. */
  maxInFlight: number;
  /** Most requests of one credential in flight at once, per lane. */
  lanes: Record<string, { maxInFlight: number }>;
}

interface CredentialState {
  /** Arrival times of accepted requests in the current window. */
  accepted: number[];
  /** Arrival times of every request in the current window (refused ones too), for the stats. */
  arrived: number[];
  inFlight: number;
  lanes: Map<string, number>;
}

function emptyStats(): FakeLimitStats {
  return {
    requests: 0,
    throttled: 0,
    throttledByRate: 0,
    throttledByConcurrency: 0,
    maxInWindow: 0,
    maxInFlight: 0,
    lanes: {},
  };
}

type Handler = (request: FakeRequest) => FakeResponse | Promise<FakeResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  handler: Handler;
}

function compile(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = [];
  const source = path
    .split("/")
    .map((part) => {
      if (part.startsWith(":")) {
        names.push(part.slice(1));
        return "([^/]+)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { pattern: new RegExp(`^${source}/?$`), names };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Parses a multipart body with the platform's own parser (`Response.formData()`, undici in Node): no
 * third-party parser is needed by the fakes. File names are read as UTF-8.
 */
async function parseMultipart(
  raw: Buffer,
  contentType: string,
): Promise<Record<string, string | ReceivedFile>> {
  // The typings flag formData() as "not recommended in server environments" because it buffers the whole
  // body: exactly what a loopback fake does anyway (it has already read the body into memory).
  const received = new Response(new Uint8Array(raw), { headers: { "content-type": contentType } });
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- see above; test fakes only
  const form = await received.formData();
  const body: Record<string, string | ReceivedFile> = {};
  for (const [name, value] of form) {
    if (typeof value === "string") {
      body[name] = value;
      continue;
    }
    const bytes = new Uint8Array(await value.arrayBuffer());
    body[name] = {
      fileName: value.name,
      contentType: value.type || "application/octet-stream",
      size: bytes.byteLength,
      bytes,
    };
  }
  return body;
}

async function parseBody(raw: Buffer, contentType: string): Promise<{ body: unknown; text: string }> {
  if (contentType.startsWith("multipart/form-data"))
    return { body: await parseMultipart(raw, contentType), text: "" };
  const text = raw.toString("utf8");
  if (contentType.startsWith("application/x-www-form-urlencoded")) {
    return { body: Object.fromEntries(new URLSearchParams(text)), text };
  }
  if (text.trim() === "") return { body: undefined, text };
  try {
    return { body: JSON.parse(text) as unknown, text };
  } catch {
    return { body: text, text };
  }
}

/** The request's headers with lower-case names and one value each. */
function lowerCaseHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

/** True when a received multipart value is a file. */
export function isReceivedFile(value: unknown): value is ReceivedFile {
  return value !== null && typeof value === "object" && "bytes" in value && "fileName" in value;
}

/**
 * A loopback HTTP fake: routes, recorded requests, scripted faults. Runs standalone on its own port
 * (`listen()`), or mounted at a path prefix inside a {@link FakeHub} (the sandbox).
 */
export class FakeServer {
  /** Name shown in logs and used as the mount prefix in the sandbox. */
  readonly name: string;
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  readonly #routes: Route[] = [];
  readonly #faults: (FaultSpec & { left: number })[] = [];
  #server: Server | undefined;
  #baseUrl: string | undefined;
  #limits: FakeLimits | undefined;
  #latencyMs = 0;
  #stats = emptyStats();
  readonly #credentials = new Map<string, CredentialState>();

  constructor(name: string) {
    this.name = name;
  }

  /** Adds a route; `path` may hold `:params`. */
  route(method: string, path: string, handler: Handler): this {
    const { pattern, names } = compile(path);
    this.#routes.push({ method: method.toUpperCase(), pattern, names, handler });
    return this;
  }

  /** Makes the next matching request(s) fail as described. */
  fail(spec: FaultSpec): this {
    this.#faults.push({ ...spec, left: spec.times ?? 1 });
    return this;
  }

  /**
   * Enforces rate and concurrency limits per credential (replacing earlier ones); `undefined` lifts them.
   * Each vendor fake has `enforceVendorLimits()` with the vendor's documented figures.
   */
  limit(limits: FakeLimits | undefined): this {
    this.#limits = limits;
    this.#credentials.clear();
    return this;
  }

  /** Adds this much latency to every request (before it is handled), like a vendor across a network. */
  latency(ms: number): this {
    this.#latencyMs = Math.max(0, ms);
    return this;
  }

  /** What the fake saw of the client's pace since it started or since {@link resetLimitStats}. */
  limitStats(): FakeLimitStats {
    return structuredClone(this.#stats);
  }

  /** Starts the counters of {@link limitStats} again. */
  resetLimitStats(): void {
    this.#stats = emptyStats();
  }

  /**
   * Admits a request under the limits, or says why not. Runs when the request arrives, before its body is
   * read, as a vendor's gateway does. `release` ends its time in flight.
   */
  #admit(
    method: string,
    path: string,
    headers: Record<string, string>,
  ): { refusal?: FakeResponse; release: () => void } {
    this.#stats.requests += 1;
    const limits = this.#limits;
    if (!limits || (limits.paths && !limits.paths.test(path))) {
      return { release: () => undefined };
    }
    const credential =
      limits.credential?.({ method, path, headers }) ??
      headers["authorization"] ??
      headers["x-smarttoken"] ??
      "(anonymous)";
    let state = this.#credentials.get(credential);
    if (!state) {
      state = { accepted: [], arrived: [], inFlight: 0, lanes: new Map() };
      this.#credentials.set(credential, state);
    }
    const now = performance.now();
    const perMs = limits.perMs ?? 1000;
    // Sliding window: a request that arrived perMs ago or earlier no longer counts.
    while ((state.accepted[0] ?? now) <= now - perMs) state.accepted.shift();
    while ((state.arrived[0] ?? now) <= now - perMs) state.arrived.shift();
    state.arrived.push(now);
    if (limits.requests !== undefined)
      this.#stats.maxInWindow = Math.max(this.#stats.maxInWindow, state.arrived.length);
    const lane = limits.lanes?.find((l) => l.method === method && l.path.test(path));
    const laneInFlight = lane ? (state.lanes.get(lane.name) ?? 0) : 0;
    this.#stats.maxInFlight = Math.max(this.#stats.maxInFlight, state.inFlight + 1);
    if (lane) {
      const seen = this.#stats.lanes[lane.name]?.maxInFlight ?? 0;
      this.#stats.lanes[lane.name] = { maxInFlight: Math.max(seen, laneInFlight + 1) };
    }
    const refuse = (
      reason: "rate" | "concurrency",
      waitMs: number,
    ): { refusal: FakeResponse; release: () => void } => {
      this.#stats.throttled += 1;
      if (reason === "rate") this.#stats.throttledByRate += 1;
      else this.#stats.throttledByConcurrency += 1;
      const base = limits.refusal?.(reason, lane?.name) ?? {
        status: 429,
        body: { message: "Too Many Requests" },
      };
      const headers = { ...base.headers };
      if (limits.retryAfter) headers["retry-after"] = String(Math.max(1, Math.ceil(waitMs / 1000)));
      return { refusal: { ...base, headers }, release: () => undefined };
    };
    if (limits.requests !== undefined && state.accepted.length >= limits.requests) {
      const oldest = state.accepted[state.accepted.length - limits.requests] ?? now;
      return refuse("rate", oldest + perMs - now);
    }
    if (limits.concurrency !== undefined && state.inFlight >= limits.concurrency)
      return refuse("concurrency", 1000);
    if (lane && laneInFlight >= lane.concurrency) return refuse("concurrency", 1000);
    state.accepted.push(now);
    state.inFlight += 1;
    if (lane) state.lanes.set(lane.name, laneInFlight + 1);
    const held = state;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        held.inFlight -= 1;
        if (lane) held.lanes.set(lane.name, (held.lanes.get(lane.name) ?? 1) - 1);
      },
    };
  }

  /** Removes scripted faults and recorded requests (state is kept). */
  clearFaults(): void {
    this.#faults.length = 0;
    this.requests.length = 0;
  }

  /** The base URL (after `listen()` or mounting). */
  get url(): string {
    if (!this.#baseUrl) throw new Error(`${this.name} fake is not started`);
    return this.#baseUrl;
  }

  /** Sets the base URL when mounted in a hub. */
  mountedAt(url: string): void {
    this.#baseUrl = url.replace(/\/+$/, "");
  }

  /** Starts on loopback (port 0 picks a free port). Resolves to the base URL. */
  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    const server = createServer((req, res) => {
      void this.handle(req, res, req.url ?? "/");
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        resolve();
      });
    });
    this.#server = server;
    const address = server.address() as AddressInfo;
    this.#baseUrl = `http://${host}:${address.port}`;
    return this.#baseUrl;
  }

  /** Stops the standalone server. */
  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }

  #takeFault(method: string, path: string): FaultSpec | undefined {
    const index = this.#faults.findIndex(
      (f) =>
        f.left > 0 &&
        (f.method === undefined || f.method.toUpperCase() === method) &&
        (f.path === undefined || (typeof f.path === "string" ? f.path === path : f.path.test(path))),
    );
    if (index === -1) return undefined;
    const fault = this.#faults[index];
    if (!fault) return undefined;
    fault.left -= 1;
    if (fault.left <= 0) this.#faults.splice(index, 1);
    return fault;
  }

  /** Handles one request whose URL (prefix removed) is `url`. */
  async handle(req: IncomingMessage, res: ServerResponse, url: string): Promise<void> {
    const admitted = this.#admit(
      (req.method ?? "GET").toUpperCase(),
      new URL(url, "http://fake").pathname,
      lowerCaseHeaders(req),
    );
    try {
      await this.#handleAdmitted(req, res, url, admitted.refusal);
    } finally {
      admitted.release();
    }
  }

  async #handleAdmitted(
    req: IncomingMessage,
    res: ServerResponse,
    url: string,
    refusal: FakeResponse | undefined,
  ): Promise<void> {
    try {
      if (this.#latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#latencyMs));
      const parsedUrl = new URL(url, "http://fake");
      const method = (req.method ?? "GET").toUpperCase();
      const raw = await readBody(req);
      const contentType = req.headers["content-type"] ?? "";
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined)
          headers[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
      }
      const { body, text } = await parseBody(raw, contentType);
      const recorded: RecordedRequest = {
        method,
        path: parsedUrl.pathname,
        query: parsedUrl.searchParams,
        headers,
        body,
        text,
        contentType,
      };
      this.requests.push(recorded);

      // A request refused for its pace is not one a scripted fault was meant for.
      const fault = refusal ? undefined : this.#takeFault(method, parsedUrl.pathname);
      if (fault?.drop === "before") {
        req.socket.destroy();
        return;
      }
      if (fault?.delayBeforeMs) await new Promise((resolve) => setTimeout(resolve, fault.delayBeforeMs));
      let response: FakeResponse;
      if (refusal) {
        response = refusal;
      } else if (fault?.status !== undefined) {
        response = {
          status: fault.status,
          body: fault.body ?? { message: `scripted ${fault.status}` },
          headers: fault.headers ?? {},
        };
      } else {
        response = await this.#dispatch(recorded);
        // The vendor-specific limits of a fake answer 429 from its routes.
        if (response.status === 429) this.#stats.throttled += 1;
        if (fault?.headers) response = { ...response, headers: { ...response.headers, ...fault.headers } };
      }
      if (fault?.drop === "after") {
        req.socket.destroy();
        return;
      }
      if (fault?.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      this.#write(res, response);
    } catch (error) {
      this.#write(res, {
        status: 500,
        body: {
          message: `fake ${this.name} crashed: ${error instanceof Error ? error.message : String(error)}`,
        },
      });
    }
  }

  async #dispatch(request: RecordedRequest): Promise<FakeResponse> {
    for (const route of this.#routes) {
      if (route.method !== request.method) continue;
      const match = route.pattern.exec(request.path);
      if (!match) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(match[i + 1] ?? "");
      });
      return route.handler({ ...request, params });
    }
    return {
      status: 404,
      body: { message: `No route ${request.method} ${request.path} in the ${this.name} fake` },
    };
  }

  #write(res: ServerResponse, response: FakeResponse): void {
    if (res.destroyed || res.writableEnded) return;
    const headers: Record<string, string> = { ...response.headers };
    let payload: string | Uint8Array = "";
    if (response.raw !== undefined) payload = response.raw;
    else if (response.body !== undefined) {
      payload = JSON.stringify(response.body);
      headers["content-type"] ??= "application/json; charset=utf-8";
    }
    res.writeHead(response.status, headers);
    res.end(payload);
  }
}

/**
 * Several fakes behind one loopback port, each mounted at `/<name>`: the sandbox's single address.
 */
export class FakeHub {
  readonly #fakes = new Map<string, FakeServer>();
  #server: Server | undefined;
  #url: string | undefined;

  /** Mounts a fake at `/<fake.name>`. */
  mount(fake: FakeServer): this {
    this.#fakes.set(fake.name, fake);
    if (this.#url) fake.mountedAt(`${this.#url}/${fake.name}`);
    return this;
  }

  get url(): string {
    if (!this.#url) throw new Error("hub is not started");
    return this.#url;
  }

  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? "/", "http://hub");
      const [, first = "", ...rest] = url.pathname.split("/");
      const fake = this.#fakes.get(first);
      if (!fake) {
        res.writeHead(404, { "content-type": "application/json" });
        res.end(
          JSON.stringify({ message: `No fake mounted at /${first}`, mounted: [...this.#fakes.keys()] }),
        );
        return;
      }
      void fake.handle(req, res, `/${rest.join("/")}${url.search}`);
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        resolve();
      });
    });
    this.#server = server;
    this.#url = `http://${host}:${(server.address() as AddressInfo).port}`;
    for (const fake of this.#fakes.values()) fake.mountedAt(`${this.#url}/${fake.name}`);
    return this.#url;
  }

  async close(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) =>
      server.close(() => {
        resolve();
      }),
    );
  }
}
