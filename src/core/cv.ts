import { fileTypeFromBuffer } from "file-type";
import { systemClock, type Clock } from "./clock.js";
import type { MultipartFile } from "./http/types.js";
import { redactUrl, type Redactor } from "./redact.js";

/** A downloaded CV, ready to upload. */
export interface CvFile extends MultipartFile {
  /** Where it came from (query string removed: signed URLs carry credentials). */
  sourceUrl: string;
}

/** What happened to the CV. A CV that cannot be fetched never blocks the candidate. */
export type CvResult =
  | { status: "ok"; file: CvFile }
  | { status: "absent" }
  | { status: "failed"; reason: string; url: string | undefined };

/** Options of {@link fetchCv}. */
export interface CvFetchOptions {
  fetch?: typeof fetch | undefined;
  /** Allow `http://` and loopback/private hosts (the sandbox needs it; never enable it in production). @default false */
  allowInsecureHosts?: boolean | undefined;
  /** Largest file accepted. @default 15 MiB */
  maxBytes?: number | undefined;
  /** Time allowed for the whole download. @default 20000 */
  timeoutMs?: number | undefined;
  clock?: Clock | undefined;
  redact?: Redactor | undefined;
}

/** Where a CV is and what it is called. */
export interface CvSource {
  url: string;
  /** Preferred name (e.g. HrFlow's `original_file_name`). */
  fileName?: string | undefined;
  /** Extension HrFlow recorded (`.pdf`). */
  extension?: string | undefined;
}

const MAX_REDIRECTS = 3;

/** Content types accepted as a CV, by extension. */
const CV_TYPES: Readonly<Record<string, string>> = {
  pdf: "application/pdf",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  odt: "application/vnd.oasis.opendocument.text",
  rtf: "application/rtf",
  txt: "text/plain",
  html: "text/html",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  tif: "image/tiff",
  tiff: "image/tiff",
};

function isPrivateHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host.endsWith(".localhost") || host === "::1" || host === "0.0.0.0")
    return true;
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(host);
  if (v4) {
    const a = Number(v4[1]);
    const b = Number(v4[2]);
    return (
      a === 127 ||
      a === 10 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168)
    );
  }
  return /^(fc|fd|fe80)/.test(host);
}

/** Refuses URLs a CV must not be fetched from (plain http, loopback and private hosts). */
export function checkCvUrl(raw: string, allowInsecureHosts: boolean): URL | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "the CV URL is not a valid URL";
  }
  if (url.protocol !== "https:" && !(allowInsecureHosts && url.protocol === "http:")) {
    return `the CV URL must use https (got ${url.protocol.replace(":", "")})`;
  }
  // Link-local addresses hold cloud metadata services: never, not even in the sandbox.
  if (/^169\.254\.|^\[?fe80:/i.test(url.hostname)) return "the CV URL points to a link-local host";
  if (isPrivateHost(url.hostname) && !allowInsecureHosts)
    return "the CV URL points to a private or loopback host";
  return url;
}

const UNSAFE_NAME = /[\\/:*?"<>|\p{Cc}\p{Cf}]/gu;

/** A file name vendors accept: no path, no control or reserved characters, the right extension. */
export function safeFileName(name: string | undefined, extension: string): string {
  const base = (name ?? "")
    .normalize("NFC")
    .split(/[\\/]/)
    .pop()
    ?.replace(UNSAFE_NAME, "")
    .replace(/\s+/g, " ")
    .replace(/^[.\s]+|[.\s]+$/g, "");
  const stem =
    (base ?? "")
      .replace(/\.[A-Za-z0-9]{1,5}$/, "")
      .slice(0, 100)
      .trim() || "resume";
  return `${stem}.${extension}`;
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | string> {
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes)
    return `the CV is larger than ${maxBytes} bytes (${declared})`;
  if (!response.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return `the CV is larger than ${maxBytes} bytes`;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

async function detectType(
  bytes: Uint8Array,
  headerType: string | null,
  source: CvSource,
): Promise<{ ext: string; mime: string } | undefined> {
  const detected = await fileTypeFromBuffer(bytes);
  const declaredExt = (source.extension ?? source.fileName?.split(".").pop() ?? "")
    .replace(/^\./, "")
    .toLowerCase();
  if (detected) {
    // Legacy Word files are OLE containers: file-type says "cfb"; trust the declared extension.
    if (detected.ext === "cfb") return { ext: "doc", mime: CV_TYPES["doc"] ?? "application/msword" };
    return detected.ext in CV_TYPES ? { ext: detected.ext, mime: detected.mime } : undefined;
  }
  // No magic number: plain text or HTML. Accept only when the bytes are text.
  const sample = new TextDecoder("utf-8", { fatal: false }).decode(bytes.subarray(0, 4096));
  if (sample.includes("\uFFFD") || sample.includes("\u0000")) return undefined;
  if (/^\s*<(!doctype html|html)/i.test(sample) || declaredExt === "html" || headerType?.includes("html")) {
    return { ext: "html", mime: "text/html" };
  }
  return { ext: "txt", mime: "text/plain" };
}

/**
 * Downloads a CV with guards: https only (loopback only when allowed), redirects checked one by one, a
 * size cap, a timeout, the content type detected from the bytes, and a safe file name. Never throws:
 * failures come back as `{ status: "failed", reason }`.
 */
export async function fetchCv(source: CvSource, options: CvFetchOptions = {}): Promise<CvResult> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const allow = options.allowInsecureHosts ?? false;
  const maxBytes = options.maxBytes ?? 15 * 1024 * 1024;
  const clock = options.clock ?? systemClock;
  const cleanUrl = (u: string): string => {
    const shown = redactUrl(u, options.redact ?? ((t) => t));
    return shown.split("?")[0] ?? shown;
  };
  let current = checkCvUrl(source.url, allow);
  if (typeof current === "string") return { status: "failed", reason: current, url: cleanUrl(source.url) };
  const signal = AbortSignal.timeout(options.timeoutMs ?? 20_000);
  const started = clock.now();
  try {
    for (let hop = 0; ; hop++) {
      const response = await doFetch(current, { redirect: "manual", signal, headers: { accept: "*/*" } });
      if (response.status >= 300 && response.status < 400 && response.headers.get("location")) {
        await response.body?.cancel();
        if (hop >= MAX_REDIRECTS)
          return { status: "failed", reason: "too many redirects", url: cleanUrl(source.url) };
        const next = checkCvUrl(new URL(response.headers.get("location") ?? "", current).toString(), allow);
        if (typeof next === "string")
          return { status: "failed", reason: `redirected: ${next}`, url: cleanUrl(source.url) };
        current = next;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        return {
          status: "failed",
          reason: `the CV download answered ${response.status}`,
          url: cleanUrl(source.url),
        };
      }
      const bytes = await readCapped(response, maxBytes);
      if (typeof bytes === "string") return { status: "failed", reason: bytes, url: cleanUrl(source.url) };
      if (bytes.byteLength === 0)
        return { status: "failed", reason: "the CV file is empty", url: cleanUrl(source.url) };
      const type = await detectType(bytes, response.headers.get("content-type"), source);
      if (!type)
        return {
          status: "failed",
          reason: "the CV is not a document type vendors accept",
          url: cleanUrl(source.url),
        };
      const lastSegment = new URL(source.url).pathname.split("/").pop() ?? "";
      let nameFromUrl = lastSegment;
      try {
        nameFromUrl = decodeURIComponent(lastSegment);
      } catch {
        // A malformed escape: keep the raw segment; safeFileName cleans it.
      }
      return {
        status: "ok",
        file: {
          fileName: safeFileName(source.fileName ?? nameFromUrl, type.ext),
          contentType: type.mime,
          bytes,
          sourceUrl: cleanUrl(source.url),
        },
      };
    }
  } catch (error) {
    const reason = signal.aborted
      ? `the CV download took longer than ${options.timeoutMs ?? 20_000} ms`
      : `the CV download failed (${error instanceof Error ? error.message : "network error"})`;
    return {
      status: "failed",
      reason: `${reason} after ${clock.now() - started} ms`,
      url: cleanUrl(source.url),
    };
  }
}
