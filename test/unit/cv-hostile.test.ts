import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { fetch as undiciFetch } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { checkCvUrl, createCvAgent, decideCvType, fetchCv, type CvLookup } from "../../src/core/cv.js";
import { samplePdf, sampleDoc, sampleExecutable } from "../../src/testing/files.js";
import { createTestPki, type TestPki } from "../support/tls.js";

/**
 * A hostile HTTPS server on loopback, with a certificate from a test CA made for the run. Host names are
 * pointed at it through the download's `lookup` seam; addresses outside loopback only ever appear in
 * answers that the guard must refuse before connecting, next to a loopback address, so that even a broken
 * guard would not send a packet off this machine.
 */
describe("CV downloads from a hostile world", () => {
  let pki: TestPki;
  let server: Server;
  let port = 0;
  const hits: string[] = [];
  beforeAll(async () => {
    pki = createTestPki(["cv.example.test", "files.example.test", "127.0.0.1"]);
    server = createServer({ key: pki.key, cert: pki.cert }, (req, res) => {
      const url = new URL(req.url ?? "/", "https://cv.example.test");
      hits.push(url.pathname);
      const redirect = (location: string, close = false): void => {
        res.writeHead(302, { location, ...(close ? { connection: "close" } : {}) }).end();
      };
      switch (url.pathname) {
        case "/cv.pdf":
          res.writeHead(200, { "content-type": "application/octet-stream" }).end(samplePdf());
          return;
        case "/to":
          redirect(url.searchParams.get("url") ?? "/");
          return;
        case "/rebind":
          // Closing the connection makes the next hop open a new one: the moment a rebinding resolver strikes.
          redirect(`https://files.example.test:${port}/cv.pdf`, true);
          return;
        case "/internal":
          res.writeHead(200, { "content-type": "text/plain" }).end("ami-id: i-0123456789\niam: admin-role\n");
          return;
        case "/page":
          res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>Sign in</title>");
          return;
        case "/json":
          res.writeHead(200, { "content-type": "application/json" }).end('{"access_key":"AKIA..."}');
          return;
        default: {
          const chain = /^\/chain\/(\d+)$/.exec(url.pathname);
          if (chain) {
            const left = Number(chain[1]);
            redirect(left === 0 ? "/cv.pdf" : `/chain/${left - 1}`);
            return;
          }
          res.writeHead(404).end();
        }
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });
  beforeEach(() => {
    hits.length = 0;
  });

  /** A resolver that answers `answers` (one list per call, the last one repeated) and counts its calls. */
  const resolver = (...answers: string[][]): CvLookup & { calls: string[] } => {
    const calls: string[] = [];
    const lookup = (hostname: string) => {
      calls.push(hostname);
      const answer = answers[Math.min(calls.length, answers.length) - 1] ?? [];
      return Promise.resolve(answer.map((address) => ({ address })));
    };
    return Object.assign(lookup, { calls });
  };
  const sandbox = (lookup: CvLookup, extra: Parameters<typeof fetchCv>[1] = {}) => ({
    allowInsecureHosts: true,
    ca: pki.ca,
    lookup,
    ...extra,
  });
  const at = (path: string, host = "cv.example.test"): string => `https://${host}:${port}${path}`;

  it("downloads over TLS from a host the resolver points at, trusting the injected CA (sandbox: loopback allowed)", async () => {
    const lookup = resolver(["127.0.0.1"]);
    const result = await fetchCv({ url: at("/cv.pdf"), fileName: "Jane Doe.pdf" }, sandbox(lookup));
    expect(result).toMatchObject({
      status: "ok",
      file: { fileName: "Jane Doe.pdf", contentType: "application/pdf" },
    });
    expect(lookup.calls).toEqual(["cv.example.test"]);
    expect(hits).toEqual(["/cv.pdf"]);
  });

  it("refuses a certificate from an unknown authority", async () => {
    const result = await fetchCv(
      { url: at("/cv.pdf") },
      { allowInsecureHosts: true, lookup: resolver(["127.0.0.1"]) },
    );
    expect(result).toMatchObject({ status: "failed" });
    expect(result.status === "failed" ? result.reason : "").toMatch(/CERT|certificate|SELF_SIGNED|VERIFY/i);
  });

  it("outside the sandbox, refuses every loopback answer before connecting", async () => {
    for (const answer of [["127.0.0.1"], ["127.8.9.10"], ["::1"], ["::ffff:127.0.0.1"], ["::ffff:7f00:1"]]) {
      const result = await fetchCv({ url: at("/cv.pdf") }, { ca: pki.ca, lookup: resolver(answer) });
      expect(result, answer.join()).toEqual({
        status: "failed",
        reason: "the CV host resolves to a loopback address",
        url: at("/cv.pdf"),
      });
    }
    expect(hits).toEqual([]);
  });

  it("even in the sandbox, refuses a host with any private, link-local or embedded answer", async () => {
    const cases: [string[], string][] = [
      [["127.0.0.1", "10.0.0.5"], "a private network address"],
      [["127.0.0.1", "172.20.1.1"], "a private network address"],
      [["127.0.0.1", "100.64.0.9"], "a private network address"],
      [["127.0.0.1", "169.254.169.254"], "a link-local address (where cloud metadata services answer)"],
      [
        ["127.0.0.1", "::ffff:169.254.169.254"],
        "a link-local address (where cloud metadata services answer)",
      ],
      [["127.0.0.1", "::ffff:a9fe:a9fe"], "a link-local address (where cloud metadata services answer)"],
      [["127.0.0.1", "fe80::1"], "a link-local address (where cloud metadata services answer)"],
      [["127.0.0.1", "fd00::1"], "a private network address"],
      [["127.0.0.1", "64:ff9b::7f00:1"], "a loopback address"],
      [["127.0.0.1", "2002:7f00:1::1"], "a loopback address"],
      [["127.0.0.1", "::127.0.0.1"], "a reserved or special-purpose address"],
      [["127.0.0.1", "0.0.0.0"], "an unspecified address"],
      [["127.0.0.1", "224.0.0.1"], "a multicast address"],
      [["127.0.0.1", "192.0.2.10"], "a reserved or special-purpose address"],
    ];
    for (const [answer, what] of cases) {
      const result = await fetchCv({ url: at("/cv.pdf") }, sandbox(resolver(answer)));
      expect(result, answer.join()).toMatchObject({
        status: "failed",
        reason: `the CV host resolves to ${what}`,
      });
    }
    expect(hits).toEqual([]);
  });

  it("loses no race to DNS rebinding: the addresses checked are the ones connected to, on every connection", async () => {
    // First connection: loopback (allowed in the sandbox). The redirect closes the connection; the next one
    // resolves again, and this time the answer also holds a private address.
    const lookup = resolver(["127.0.0.1"], ["127.0.0.1", "10.1.2.3"]);
    const result = await fetchCv({ url: at("/rebind") }, sandbox(lookup));
    expect(result).toMatchObject({
      status: "failed",
      reason: "redirected: the CV host resolves to a private network address",
    });
    // One resolution per connection, by the connecting agent itself: no separate check to race.
    expect(lookup.calls).toEqual(["cv.example.test", "files.example.test"]);
    expect(hits).toEqual(["/rebind"]);
  });

  it("checks every redirect hop, whatever form the address takes (refused even in the sandbox)", async () => {
    const link = "a link-local address (where cloud metadata services answer)";
    const forms: [string, string][] = [
      [`https://[::ffff:169.254.169.254]:${port}/x`, link],
      ["https://[::ffff:a9fe:a9fe]/latest/meta-data", link],
      ["http://169.254.169.254/latest/meta-data", link],
      ["https://[fe80::1]/", link],
      ["https://[64:ff9b::a9fe:a9fe]/", link],
      ["https://[2002:a9fe:a9fe::1]/", link],
      ["http://10.0.0.5/", "a private network address"],
      ["https://100.64.1.1/", "a private network address"],
      ["https://[fd12:3456::1]/", "a private network address"],
      [`https://[64:ff9b::7f00:1]:${port}/cv.pdf`, "a loopback address"],
      [`https://[2002:7f00:1::1]:${port}/cv.pdf`, "a loopback address"],
      [`https://[::127.0.0.1]:${port}/cv.pdf`, "a reserved or special-purpose address"],
      ["https://[::ffff:0:7f00:1]/", "a reserved or special-purpose address"],
    ];
    for (const [target, what] of forms) {
      const result = await fetchCv(
        { url: at(`/to?url=${encodeURIComponent(target)}`) },
        sandbox(resolver(["127.0.0.1"])),
      );
      expect(result, target).toMatchObject({
        status: "failed",
        reason: `redirected: the CV URL points to ${what}`,
      });
      expect(checkCvUrl(target, true), target).toBe(`the CV URL points to ${what}`);
    }
    expect(hits.every((path) => path === "/to")).toBe(true);
  });

  it("outside the sandbox, refuses loopback in every notation before connecting", async () => {
    const forms = [
      `https://127.0.0.1:${port}/cv.pdf`,
      `https://127.1.2.3:${port}/cv.pdf`,
      `https://0x7f.1:${port}/cv.pdf`,
      `https://2130706433:${port}/cv.pdf`,
      `https://[::1]:${port}/cv.pdf`,
      `https://[::ffff:127.0.0.1]:${port}/cv.pdf`,
      `https://[::ffff:7f00:1]:${port}/cv.pdf`,
    ];
    for (const url of forms) {
      expect(checkCvUrl(url, false), url).toBe("the CV URL points to a loopback address");
      expect(checkCvUrl(url, true), url).toBeInstanceOf(URL);
      expect(await fetchCv({ url }, { ca: pki.ca }), url).toMatchObject({
        status: "failed",
        reason: "the CV URL points to a loopback address",
      });
    }
    expect(hits).toEqual([]);
  });

  it("refuses at the connection too, not only in the URL check", async () => {
    const agent = createCvAgent({ lookup: resolver(["127.0.0.1"]), allowLoopback: false, ca: pki.ca });
    try {
      for (const url of [`https://127.0.0.1:${port}/cv.pdf`, `https://[::1]:${port}/cv.pdf`, at("/cv.pdf")]) {
        const error = await undiciFetch(url, { dispatcher: agent }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, url).toBeInstanceOf(TypeError);
        expect((error as { cause?: { reason?: string } }).cause?.reason, url).toMatch(
          /^the CV (URL points to|host resolves to) a loopback address$/,
        );
      }
    } finally {
      await agent.destroy();
    }
    expect(hits).toEqual([]);
  });

  it("follows a bounded number of redirects (3 by default, configurable)", async () => {
    const lookup = resolver(["127.0.0.1"]);
    expect(await fetchCv({ url: at("/chain/2") }, sandbox(lookup))).toMatchObject({ status: "ok" });
    expect(await fetchCv({ url: at("/chain/3") }, sandbox(lookup))).toMatchObject({
      status: "failed",
      reason: "too many redirects (more than 3)",
    });
    expect(await fetchCv({ url: at("/chain/5") }, sandbox(lookup, { maxRedirects: 6 }))).toMatchObject({
      status: "ok",
    });
    expect(await fetchCv({ url: at("/chain/0") }, sandbox(lookup, { maxRedirects: 0 }))).toMatchObject({
      status: "failed",
      reason: "too many redirects (more than 0)",
    });
  });

  it("refuses what an internal service or a portal answers, even named resume.txt", async () => {
    const lookup = resolver(["127.0.0.1"]);
    expect(await fetchCv({ url: at("/page"), fileName: "resume.txt" }, sandbox(lookup))).toMatchObject({
      status: "failed",
      reason: "the CV download answered a web page (HTML or XML), not a document",
    });
    expect(await fetchCv({ url: at("/json"), fileName: "resume.txt" }, sandbox(lookup))).toMatchObject({
      status: "failed",
      reason: "the CV download answered JSON, not a document",
    });
    expect(await fetchCv({ url: at("/internal"), fileName: "resume.pdf" }, sandbox(lookup))).toMatchObject({
      status: "failed",
      reason: "the CV is plain text, and its extension does not say it is a text CV (.txt)",
    });
  });

  it("reports an unusable CV URL as failed, with its reason", async () => {
    const cases: [string, string][] = [
      ["https://intranet/cv.pdf", 'the CV URL\'s host "intranet" is not a public domain name'],
      ["https://localhost/cv.pdf", "the CV URL points to a loopback host"],
      ["https://api.localhost/cv.pdf", "the CV URL points to a loopback host"],
      ["https://[::1]/cv.pdf", "the CV URL points to a loopback address"],
      ["https://[2001:db8::1]/cv.pdf", "the CV URL points to a reserved or special-purpose address"],
      ["ftp://files.example.com/cv.pdf", "the CV URL must use https (got ftp)"],
      ["https://user:pw@files.example.com/cv.pdf", "the CV URL carries credentials"],
      ["not a url", "the CV URL is not a valid URL"],
    ];
    for (const [url, reason] of cases) {
      expect(await fetchCv({ url }), url).toMatchObject({ status: "failed", reason });
    }
  });
});

describe("decideCvType: the one place that says what a CV may be", () => {
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);
  it("sniffs documents from the bytes", async () => {
    expect(await decideCvType(samplePdf(), "txt")).toEqual({ ok: true, ext: "pdf", mime: "application/pdf" });
    expect(await decideCvType(sampleDoc(), "doc")).toMatchObject({ ok: true, ext: "doc" });
    expect(await decideCvType(sampleDoc(), "xls")).toMatchObject({ ok: false });
    expect(await decideCvType(sampleExecutable(), "pdf")).toMatchObject({ ok: false });
  });
  it("accepts plain text only when the extension says .txt, and never markup or JSON", async () => {
    expect(await decideCvType(text("Jane Doe\nEngineer\n"), ".TXT")).toEqual({
      ok: true,
      ext: "txt",
      mime: "text/plain",
    });
    expect(await decideCvType(text("Jane Doe\nEngineer\n"), "pdf")).toMatchObject({ ok: false });
    expect(await decideCvType(text("Jane Doe\nEngineer\n"), undefined)).toMatchObject({ ok: false });
    expect(await decideCvType(text("<html><body>CV</body></html>"), "txt")).toMatchObject({ ok: false });
    expect(await decideCvType(text('<?xml version="1.0"?><cv/>'), "txt")).toMatchObject({ ok: false });
    expect(await decideCvType(text('{"cv": "x"}'), "txt")).toMatchObject({ ok: false });
    expect(await decideCvType(text("[draft] Jane Doe, engineer"), "txt")).toMatchObject({ ok: true });
    expect(await decideCvType(new Uint8Array([0x4a, 0x00, 0x01, 0x02]), "txt")).toMatchObject({ ok: false });
  });
});
