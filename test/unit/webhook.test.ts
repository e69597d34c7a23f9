import { createHmac } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../src/core/errors.js";
import {
  EventParser,
  verifyHrflowWebhook,
  verifyWebhookSignature,
  type HrflowWebhookVerification,
} from "../../src/hrflow/event-parser.js";
import { registerSecret } from "../support/leaks.js";

const SECRET = "whsec-hrflow-test-0123456789";
registerSecret(SECRET);

const event = { type: "profile.storing.success", message: "ok", profile: { key: "k1", source_key: "s1" } };
const payload = JSON.stringify(event);
const b64url = (b: Buffer | string): string => Buffer.from(b).toString("base64url");
const hmac = (data: Buffer | string, secret = SECRET): Buffer =>
  createHmac("sha256", secret).update(data).digest();

/** The three documented ways HrFlow signs a webhook. */
const sign = {
  python: (body: string, secret = SECRET): string =>
    `${b64url(hmac(body, secret).toString("hex"))}.${b64url(body)}`,
  js: (body: string, secret = SECRET): string => `${b64url(hmac(b64url(body), secret))}.${b64url(body)}`,
  rubyHexOfRawBody: (body: string, secret = SECRET): string => hmac(body, secret).toString("hex"),
};

const verify = (headers: unknown, ...body: unknown[]): HrflowWebhookVerification =>
  // The inputs are deliberately of any type: what a sender controls must never make it throw.
  verifyHrflowWebhook({ rawBody: (body.length > 0 ? body[0] : payload) as string, headers, secret: SECRET });

describe("verifyHrflowWebhook", () => {
  it("accepts each documented variant, names it, and returns the signed events", () => {
    expect(verify({ "http-hrflow-signature": sign.python(payload) })).toEqual({
      ok: true,
      variant: "hex-hmac-of-decoded-payload",
      header: "hrflow-signature",
      events: [event],
    });
    expect(verify({ "http-hrflow-signature": sign.js(payload) })).toMatchObject({
      ok: true,
      variant: "raw-hmac-of-encoded-payload",
    });
    expect(verify({ HTTP_RIMINDER_SIGNATURE: sign.rubyHexOfRawBody(payload) })).toEqual({
      ok: true,
      variant: "hex-hmac-of-raw-body",
      header: "riminder-signature",
      events: [event],
    });
    // Upper-case hex, standard base64 with padding, a fetch Headers object, the name without HTTP-.
    expect(verify({ "HTTP-HRFLOW-SIGNATURE": sign.rubyHexOfRawBody(payload).toUpperCase() }).ok).toBe(true);
    const padded = `${Buffer.from(hmac(payload).toString("hex")).toString("base64")}.${Buffer.from(payload).toString("base64")}`;
    expect(verify({ "hrflow-signature": padded }).ok).toBe(true);
    expect(verify(new Headers({ "HTTP-HRFLOW-SIGNATURE": sign.js(payload) })).ok).toBe(true);
    expect(verify({ "http-riminder-signature": [sign.python(payload)] }).ok).toBe(true);
  });

  it("takes the events from what was signed, never from an unsigned body", () => {
    const forgedBody = JSON.stringify({ ...event, profile: { key: "someone-else", source_key: "s1" } });
    const result = verify({ "http-hrflow-signature": sign.python(payload) }, forgedBody);
    expect(result).toMatchObject({ ok: true, events: [event] });
    // With the raw-body variant, a changed body no longer matches.
    expect(verify({ "http-hrflow-signature": sign.rubyHexOfRawBody(payload) }, forgedBody)).toEqual({
      ok: false,
      reason: "the signature does not match",
      unsigned: false,
    });
  });

  it("accepts a list of payloads", () => {
    const list = JSON.stringify([event, { ...event, profile: { key: "k2", source_key: "s1" } }]);
    expect(verify({ "http-hrflow-signature": sign.rubyHexOfRawBody(list) }, list)).toMatchObject({
      ok: true,
      events: [event, { profile: { key: "k2" } }],
    });
  });

  it("refuses, without throwing, every malformed or forged input", () => {
    const good = sign.python(payload);
    const [sig = "", body = ""] = good.split(".");
    const cases: [unknown, unknown, RegExp][] = [
      [{}, payload, /no signature header/],
      [undefined, payload, /no headers/],
      [null, payload, /no headers/],
      ["http-hrflow-signature: x", payload, /no headers/],
      [[["http-hrflow-signature", good]], payload, /no headers/],
      [{ "http-hrflow-signature": undefined }, payload, /no signature header/],
      [{ "http-hrflow-signature": "" }, payload, /empty/],
      [{ "http-hrflow-signature": [good, good] }, payload, /repeated/],
      [{ "http-hrflow-signature": 42 }, payload, /not text/],
      [{ "http-hrflow-signature": { sig } }, payload, /not text/],
      [{ "http-hrflow-signature": good, "http-riminder-signature": sign.js(payload) }, payload, /disagree/],
      [{ "http-hrflow-signature": `${good}, ${good}` }, payload, /base64|<signature>/],
      [{ "http-hrflow-signature": "not base64!.@@@" }, payload, /not base64/],
      [{ "http-hrflow-signature": `${sig}.${body}.extra` }, payload, /<signature>\.<payload>/],
      [{ "http-hrflow-signature": sig }, payload, /<signature>\.<payload>/],
      [{ "http-hrflow-signature": `${b64url("short")}.${body}` }, payload, /5 bytes/],
      [{ "http-hrflow-signature": `${b64url(Buffer.alloc(48))}.${body}` }, payload, /48 bytes/],
      [{ "http-hrflow-signature": sign.python(payload, "another-secret") }, payload, /does not match/],
      [{ "http-hrflow-signature": `${sig}.${b64url('{"type":"forged"}')}` }, payload, /does not match/],
      [{ "http-hrflow-signature": sign.python("not json") }, payload, /not JSON/],
      [{ "http-hrflow-signature": sign.python("42") }, payload, /neither an event/],
      [{ "http-hrflow-signature": "a".repeat(63) }, payload, /<signature>\.<payload>/],
      [{ "http-hrflow-signature": sign.rubyHexOfRawBody(payload) }, "", /does not match/],
      [{ "http-hrflow-signature": good }, undefined, /no raw body/],
      [{ "http-hrflow-signature": good }, 12, /no raw body/],
      [{ "http-hrflow-signature": good }, { payload }, /no raw body/],
    ];
    for (const [headers, rawBody, reason] of cases) {
      const result = verify(headers, rawBody);
      expect(result.ok, JSON.stringify(headers)).toBe(false);
      if (!result.ok) {
        expect(result.reason, JSON.stringify(headers)).toMatch(reason);
        // Only a request without any signature header is "unsigned" (what a receiver allowing them reads).
        expect(result.unsigned, JSON.stringify(headers)).toBe(reason.source === "no signature header");
      }
    }
    const notUtf8 = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const header = `${b64url(hmac(notUtf8).toString("hex"))}.${b64url(notUtf8)}`;
    expect(verify({ "http-hrflow-signature": header })).toEqual({
      ok: false,
      reason: "the payload is not UTF-8",
      unsigned: false,
    });
  });

  it("refuses a body over the cap", () => {
    const big = JSON.stringify({ ...event, padding: "x".repeat(2048) });
    const result = verifyHrflowWebhook({
      rawBody: big,
      headers: { "http-hrflow-signature": sign.rubyHexOfRawBody(big) },
      secret: SECRET,
      maxBytes: 1024,
    });
    expect(result).toEqual({ ok: false, reason: "a body larger than 1024 bytes", unsigned: false });
    const signedBig = verifyHrflowWebhook({
      rawBody: "{}",
      headers: { "http-hrflow-signature": sign.python(big) },
      secret: SECRET,
      maxBytes: 1024,
    });
    expect(signedBig).toEqual({ ok: false, reason: "the signed payload is too large", unsigned: false });
  });

  it("fails closed without a secret: ConfigError, never an acceptance", () => {
    const headers = { "http-hrflow-signature": sign.rubyHexOfRawBody(payload, "") };
    for (const secret of ["", "   ", undefined, null, 42]) {
      const input = { rawBody: payload, headers, secret };
      expect(() => verifyHrflowWebhook(input as Parameters<typeof verifyHrflowWebhook>[0])).toThrow(
        ConfigError,
      );
      expect(() => verifyWebhookSignature(sign.python(payload, ""), secret as string)).toThrow(ConfigError);
      expect(() => new EventParser(input as ConstructorParameters<typeof EventParser>[0])).toThrow(
        ConfigError,
      );
    }
    expect(() =>
      verifyHrflowWebhook(undefined as unknown as Parameters<typeof verifyHrflowWebhook>[0]),
    ).toThrow(ConfigError);
  });
});

describe("verifyWebhookSignature (the header-only contract)", () => {
  it("returns the payload of both header variants, undefined for anything else, never throws on input", () => {
    expect(verifyWebhookSignature(sign.python(payload), SECRET)).toEqual(event);
    expect(verifyWebhookSignature(sign.js(payload), SECRET)).toEqual(event);
    for (const header of [undefined, null, 42, ["a.b"], "", "nonsense", "a.b.c", sign.python(payload, "x")]) {
      expect(verifyWebhookSignature(header, SECRET)).toBeUndefined();
    }
  });
});

describe("EventParser built from a webhook", () => {
  it("verifies first: a verified event gives its profile, a forged one gives nothing", () => {
    const parser = new EventParser({
      rawBody: Buffer.from(payload),
      headers: { "http-hrflow-signature": sign.python(payload) },
      secret: SECRET,
    });
    expect(parser.verification).toMatchObject({ ok: true, variant: "hex-hmac-of-decoded-payload" });
    expect(parser.getProfile()).toEqual({ key: "k1", source: { key: "s1" } });
    expect(parser.eventType).toBe("profile.storing.success");
    const forged = new EventParser({
      rawBody: payload,
      headers: { "http-hrflow-signature": sign.python(payload, "guess") },
      secret: SECRET,
    });
    expect(forged.verification).toEqual({
      ok: false,
      reason: "the signature does not match",
      unsigned: false,
    });
    expect(forged.getProfile()).toBeUndefined();
    expect(forged.events).toEqual([]);
    const noHeader = new EventParser({ rawBody: payload, headers: {}, secret: SECRET });
    expect(noHeader.getProfile()).toBeUndefined();
  });

  it("keeps reading CATCH workflow requests as before", () => {
    const parser = new EventParser({ request: { profile_key: "k2", source_key: "s2" } });
    expect(parser.verification).toMatchObject({ ok: true, variant: "unsigned" });
    expect(parser.getProfile()).toEqual({ key: "k2", source: { key: "s2" } });
    expect(
      () => new EventParser(undefined as unknown as ConstructorParameters<typeof EventParser>[0]),
    ).toThrow(ConfigError);
  });
});

describe("a webhook receiver on loopback (as the service will verify)", () => {
  const received: HrflowWebhookVerification[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const result = verifyHrflowWebhook({
        rawBody: Buffer.concat(chunks),
        headers: req.headersDistinct,
        secret: SECRET,
      });
      received.push(result);
      res.writeHead(result.ok ? 202 : 401).end();
    });
  });
  let url = "";
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/hrflow`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });

  const post = (headers: Record<string, string | string[]>, body = payload): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = httpRequest(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
      });
      req.on("response", (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end(body);
    });

  it("answers 202 to each signed variant and 401 to a forged, unsigned or doubly signed request", async () => {
    expect(await post({ "HTTP-HRFLOW-SIGNATURE": sign.python(payload) })).toBe(202);
    expect(await post({ "HTTP-HRFLOW-SIGNATURE": sign.js(payload) })).toBe(202);
    expect(await post({ "HTTP-RIMINDER-SIGNATURE": sign.rubyHexOfRawBody(payload) })).toBe(202);
    expect(received.map((r) => (r.ok ? r.variant : r.reason))).toEqual([
      "hex-hmac-of-decoded-payload",
      "raw-hmac-of-encoded-payload",
      "hex-hmac-of-raw-body",
    ]);
    expect(await post({})).toBe(401);
    expect(await post({ "HTTP-HRFLOW-SIGNATURE": sign.python(payload, "guess") })).toBe(401);
    expect(await post({ "HTTP-HRFLOW-SIGNATURE": [sign.python(payload), sign.js(payload)] })).toBe(401);
    expect(await post({ "HTTP-RIMINDER-SIGNATURE": sign.rubyHexOfRawBody(payload) }, `${payload} `)).toBe(
      401,
    );
    expect(received.slice(3).map((r) => (r.ok ? r.variant : r.reason))).toEqual([
      "no signature header",
      "the signature does not match",
      "the hrflow-signature header is repeated",
      "the signature does not match",
    ]);
  });
});
