import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkCvUrl, fetchCv, safeFileName } from "../../src/core/cv.js";
import { FakeServer } from "../../src/testing/fake-server.js";
import { sampleDoc, sampleExecutable, samplePdf, samplePng } from "../../src/testing/files.js";

describe("CV download guard", () => {
  const server = new FakeServer("files");
  beforeAll(async () => {
    server.route("GET", "/cv.pdf", () => ({
      status: 200,
      raw: samplePdf(),
      headers: { "content-type": "application/octet-stream" },
    }));
    server.route("GET", "/mislabelled.txt", () => ({
      status: 200,
      raw: samplePdf(),
      headers: { "content-type": "text/plain" },
    }));
    server.route("GET", "/cv.doc", () => ({ status: 200, raw: sampleDoc() }));
    server.route("GET", "/scan", () => ({ status: 200, raw: samplePng() }));
    server.route("GET", "/plain", () => ({
      status: 200,
      raw: "Jane Doe\nEngineer\n",
      headers: { "content-type": "text/plain; charset=utf-8" },
    }));
    server.route("GET", "/virus.exe", () => ({ status: 200, raw: sampleExecutable() }));
    server.route("GET", "/empty", () => ({ status: 200, raw: "" }));
    server.route("GET", "/big", () => ({ status: 200, raw: new Uint8Array(2048).fill(65) }));
    server.route("GET", "/gone", () => ({ status: 404, raw: "no" }));
    server.route("GET", "/redirect-ok", () => ({ status: 302, headers: { location: "/cv.pdf" } }));
    server.route("GET", "/redirect-bad", () => ({
      status: 302,
      headers: { location: "http://169.254.169.254/latest/meta-data" },
    }));
    server.route("GET", "/slow", async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return { status: 200, raw: samplePdf() };
    });
    await server.listen();
  });
  afterAll(() => server.close());
  const get = (path: string, extra: Parameters<typeof fetchCv>[1] = {}, fileName?: string) =>
    fetchCv({ url: `${server.url}${path}`, fileName }, { allowInsecureHosts: true, ...extra });

  it("detects the content type from the bytes, not the header or the name", async () => {
    expect(await get("/cv.pdf", {}, "My CV.pdf")).toMatchObject({
      status: "ok",
      file: { fileName: "My CV.pdf", contentType: "application/pdf" },
    });
    expect(await get("/mislabelled.txt")).toMatchObject({
      status: "ok",
      file: { fileName: "mislabelled.pdf", contentType: "application/pdf" },
    });
    expect(await get("/cv.doc", {}, "cv.doc")).toMatchObject({
      status: "ok",
      file: { contentType: "application/msword", fileName: "cv.doc" },
    });
    expect(await get("/scan", {}, "scan")).toMatchObject({
      status: "ok",
      file: { contentType: "image/png", fileName: "scan.png" },
    });
    expect(await get("/plain", {}, "cv.txt")).toMatchObject({
      status: "ok",
      file: { contentType: "text/plain", fileName: "cv.txt" },
    });
  });

  it("refuses what is not a document, an empty file, a file over the cap and a missing file", async () => {
    expect(await get("/virus.exe")).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("not a document"),
    });
    expect(await get("/empty")).toMatchObject({ status: "failed", reason: "the CV file is empty" });
    expect(await get("/big", { maxBytes: 1000 })).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("larger than 1000 bytes"),
    });
    expect(await get("/gone")).toMatchObject({ status: "failed", reason: "the CV download answered 404" });
  });

  it("times out", async () => {
    expect(await get("/slow", { timeoutMs: 50 })).toMatchObject({
      status: "failed",
      reason: expect.stringContaining("longer than 50 ms"),
    });
  });

  it("follows redirects only to allowed hosts", async () => {
    expect(await get("/redirect-ok")).toMatchObject({ status: "ok" });
    const bad = await fetchCv({ url: `${server.url}/redirect-bad` }, { allowInsecureHosts: true });
    expect(bad).toMatchObject({
      status: "failed",
      reason: "redirected: the CV URL points to a link-local address (where cloud metadata services answer)",
    });
    // Outside the sandbox, a host that resolves to loopback is refused before any connection.
    const strict = await fetchCv(
      { url: "https://files.example.com/cv.pdf" },
      { lookup: () => Promise.resolve([{ address: "127.0.0.1" }]) },
    );
    expect(strict).toMatchObject({
      status: "failed",
      reason: "the CV host resolves to a loopback address",
    });
  });

  it("allows only https and public hosts unless told otherwise", () => {
    expect(checkCvUrl("http://example.com/cv.pdf", false)).toBe("the CV URL must use https (got http)");
    expect(checkCvUrl("https://127.0.0.1/cv.pdf", false)).toBe("the CV URL points to a loopback address");
    expect(checkCvUrl("https://192.168.1.10/cv.pdf", false)).toBe(
      "the CV URL points to a private network address",
    );
    expect(checkCvUrl("https://[::1]/cv.pdf", false)).toBe("the CV URL points to a loopback address");
    expect(checkCvUrl("file:///etc/passwd", true)).toBe("the CV URL must use https (got file)");
    expect(checkCvUrl("https://s3.eu-west-1.amazonaws.com/cv.pdf", false)).toBeInstanceOf(URL);
  });

  it("hides the signed query string of the source URL", async () => {
    const result = await fetchCv(
      { url: `${server.url}/cv.pdf?X-Amz-Signature=abc&token=t` },
      { allowInsecureHosts: true },
    );
    expect(result).toMatchObject({ status: "ok", file: { sourceUrl: `${server.url}/cv.pdf` } });
  });

  it("makes safe file names", () => {
    expect(safeFileName("../../etc/passwd<script>.pdf", "pdf")).toBe("passwdscript.pdf");
    expect(safeFileName("CV Amélie\u0000 Poulain.PDF", "pdf")).toBe("CV Amélie Poulain.pdf");
    expect(safeFileName("résumé.docx", "pdf")).toBe("résumé.pdf");
    expect(safeFileName(undefined, "doc")).toBe("resume.doc");
    expect(safeFileName("...", "pdf")).toBe("resume.pdf");
    expect(safeFileName("a".repeat(300), "pdf")).toHaveLength(104);
  });
});
