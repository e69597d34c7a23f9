import { promises as dns, type LookupAddress, type LookupOptions } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { fileTypeFromBuffer } from "file-type";
import { Agent, buildConnector, fetch as undiciFetch } from "undici";
import { systemClock, type Clock } from "./clock.js";
import { readBodyBytes } from "./http/read-body.js";
import type { MultipartFile } from "./http/types.js";
import { checkAddress, isIpLiteral, type AddressClass } from "./net/address-policy.js";
import { redactUrl, type Redactor } from "./redact.js";

/**
 * CV downloads. A CV URL comes from a profile, that is from anyone who can put a document into HrFlow: it is
 * treated as hostile. The download must not reach inside (loopback, private networks, cloud metadata), so
 * every address is checked where it is used: the host's addresses are resolved by the connecting agent
 * itself and each one is checked before the socket opens (a DNS answer that changes between a check and the
 * connection, "DNS rebinding", cannot win: there is no second resolution), IP literals are checked before
 * any connection, and every redirect hop is checked the same way. What comes back must be a document a
 * vendor accepts, judged from its bytes.
 */

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

/** One address a host name resolves to. */
export interface CvAddress {
  address: string;
  /** 4 or 6; worked out from the address when omitted. */
  family?: number;
}

/**
 * Resolves a host name to every address it has (the system resolver by default). Tests point it at answers
 * of their choice; whatever it answers is checked before any connection.
 */
export type CvLookup = (hostname: string) => Promise<readonly CvAddress[]>;

/** Options of {@link fetchCv}. */
export interface CvFetchOptions {
  /**
   * The sandbox's permission: `http://` URLs, and loopback addresses (127.0.0.0/8, `::1`, `::ffff:127.x.y.z`)
   * and the name `localhost`. Link-local and private ranges stay refused. Never enable it in production.
   * @default false
   */
  allowInsecureHosts?: boolean | undefined;
  /** Largest file accepted, in bytes. @default 15728640 (15 MiB) */
  maxBytes?: number | undefined;
  /** Time budget of the whole download: every hop, the connection, the body. @default 20000 */
  timeoutMs?: number | undefined;
  /** Redirects followed at most (each hop is checked like the first URL). @default 3 */
  maxRedirects?: number | undefined;
  /** The resolver used by the connecting agent. @default the system resolver (`dns.lookup`, all addresses) */
  lookup?: CvLookup | undefined;
  /**
   * Certificate authorities to trust for `https://` CV URLs instead of Node's bundled ones (a test CA, a
   * corporate TLS proxy). @default Node's bundled CAs
   */
  ca?: string | Buffer | readonly (string | Buffer)[] | undefined;
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

/** Largest CV accepted by default: 15 MiB. */
export const DEFAULT_MAX_CV_BYTES = 15 * 1024 * 1024;
/** Time budget of a CV download by default (all hops, connection and body): 20 s. */
export const DEFAULT_CV_TIMEOUT_MS = 20_000;
/** Redirects followed by default. */
export const DEFAULT_MAX_CV_REDIRECTS = 3;

const CLASS_TEXT: Readonly<Record<AddressClass, string>> = {
  public: "a public address",
  loopback: "a loopback address",
  private: "a private network address",
  "link-local": "a link-local address (where cloud metadata services answer)",
  multicast: "a multicast address",
  unspecified: "an unspecified address",
  broadcast: "a broadcast address",
  reserved: "a reserved or special-purpose address",
  invalid: "an address that is not a plain IPv4 or IPv6 address",
};

/**
 * Refuses URLs a CV must not be fetched from: other schemes than https (http too in the sandbox), embedded
 * credentials, IP literals outside the public unicast ranges (loopback too in the sandbox), and host names
 * that are not public domain names (no dot: an intranet name; `localhost` only in the sandbox). Host names
 * are checked again, address by address, when the connection is made. Returns the URL, or why not.
 */
export function checkCvUrl(raw: string, allowInsecureHosts: boolean): URL | string {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return "the CV URL is not a valid URL";
  }
  if (url.protocol !== "https:" && !(allowInsecureHosts && url.protocol === "http:")) {
    return `the CV URL must use https (got ${url.protocol.replace(":", "")})`;
  }
  if (url.username || url.password) return "the CV URL carries credentials";
  const host = url.hostname.toLowerCase();
  if (isIpLiteral(host)) {
    const verdict = checkAddress(host, { allowLoopback: allowInsecureHosts });
    return verdict.allowed ? url : `the CV URL points to ${CLASS_TEXT[verdict.class]}`;
  }
  const name = host.replace(/\.$/, "");
  if (name === "localhost" || name.endsWith(".localhost")) {
    return allowInsecureHosts ? url : "the CV URL points to a loopback host";
  }
  if (!name.includes(".")) return `the CV URL's host "${name}" is not a public domain name`;
  return url;
}

/** Why a connection was refused; carried as the `cause` of undici's "fetch failed". */
class AddressRefusedError extends Error {
  readonly code = "ERR_CV_ADDRESS_REFUSED";
  constructor(readonly reason: string) {
    super(reason);
  }
}

const systemLookup: CvLookup = (hostname) => dns.lookup(hostname, { all: true, order: "verbatim" });

/**
 * The `lookup` of the connecting agent: resolves once, checks every address, and hands the socket exactly
 * the addresses it checked. One refused address refuses the host (a name that answers both a public and a
 * private address is an attack, not a CDN).
 */
function guardedLookup(resolve: CvLookup, allowLoopback: boolean): LookupFunction {
  return (hostname: string, options: LookupOptions, callback) => {
    resolve(hostname).then(
      (answers) => {
        const addresses: LookupAddress[] = answers.map((a) => ({
          address: a.address,
          family: a.family ?? (isIP(a.address) === 6 ? 6 : 4),
        }));
        if (addresses.length === 0) {
          callback(Object.assign(new Error(`no address for ${hostname}`), { code: "ENOTFOUND" }), []);
          return;
        }
        for (const { address } of addresses) {
          const verdict = checkAddress(address, { allowLoopback });
          if (!verdict.allowed) {
            callback(new AddressRefusedError(`the CV host resolves to ${CLASS_TEXT[verdict.class]}`), []);
            return;
          }
        }
        const wanted =
          options.family === 4 || options.family === "IPv4"
            ? addresses.filter((a) => a.family === 4)
            : options.family === 6 || options.family === "IPv6"
              ? addresses.filter((a) => a.family === 6)
              : addresses;
        const [first] = wanted;
        if (!first) {
          callback(Object.assign(new Error(`no usable address for ${hostname}`), { code: "ENOTFOUND" }), []);
          return;
        }
        if (options.all) callback(null, wanted);
        else callback(null, first.address, first.family);
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error("lookup failed"), []);
      },
    );
  };
}

/**
 * The undici agent of one download: its connector checks IP literals before connecting and resolves names
 * through {@link guardedLookup}, so the addresses checked are the addresses connected to. A refusal fails
 * the request with an error whose `reason` says why (as the `cause` of undici's "fetch failed").
 */
export function createCvAgent(options: {
  lookup: CvLookup;
  allowLoopback: boolean;
  ca: CvFetchOptions["ca"];
}): Agent {
  const base = buildConnector({
    lookup: guardedLookup(options.lookup, options.allowLoopback),
    ...(options.ca === undefined
      ? {}
      : { ca: typeof options.ca === "string" || Buffer.isBuffer(options.ca) ? options.ca : [...options.ca] }),
  });
  const connect: buildConnector.connector = (target, callback) => {
    const host = target.hostname.replace(/^\[|\]$/g, "");
    if (isIP(host) !== 0) {
      const verdict = checkAddress(host, { allowLoopback: options.allowLoopback });
      if (!verdict.allowed) {
        callback(new AddressRefusedError(`the CV URL points to ${CLASS_TEXT[verdict.class]}`), null);
        return;
      }
    }
    base(target, callback);
  };
  return new Agent({ connect });
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

/** Content types a vendor accepts as a CV, by the extension file-type detects from the bytes. */
const DOCUMENT_TYPES: Readonly<Record<string, string>> = {
  pdf: "application/pdf",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  odt: "application/vnd.oasis.opendocument.text",
  rtf: "application/rtf",
  png: "image/png",
  jpg: "image/jpeg",
  tif: "image/tiff",
};

/** What {@link decideCvType} says about some bytes. */
export type CvTypeDecision = { ok: true; ext: string; mime: string } | { ok: false; reason: string };

/**
 * The one place that decides whether bytes are a CV a vendor accepts, and of which type. The type is
 * sniffed from the bytes (a declared content type or file name proves nothing): PDF, Word (doc, docx),
 * OpenDocument text, RTF, and scans (PNG, JPEG, TIFF). A reply that is only text is accepted only when
 * HrFlow's extension says the CV is a text file (`.txt`); HTML, XML or JSON (an error page, a login portal,
 * an internal API's answer) never is.
 */
export async function decideCvType(
  bytes: Uint8Array,
  declaredExtension: string | undefined,
): Promise<CvTypeDecision> {
  const declared = (declaredExtension ?? "").replace(/^\./, "").toLowerCase();
  const detected = await fileTypeFromBuffer(bytes);
  if (detected) {
    // Legacy Word files are OLE containers ("cfb"), like Excel and Outlook files: only with a .doc name.
    if (detected.ext === "cfb")
      return declared === "doc" || declared === ""
        ? { ok: true, ext: "doc", mime: DOCUMENT_TYPES["doc"] ?? "application/msword" }
        : { ok: false, reason: `the CV is an OLE container named .${declared}, not a Word document` };
    const mime = DOCUMENT_TYPES[detected.ext];
    return mime
      ? { ok: true, ext: detected.ext, mime }
      : { ok: false, reason: `the CV is a ${detected.ext} file, not a document type vendors accept` };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, reason: "the CV is not a document type vendors accept" };
  }
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
  if (/[\u0000-\u0008\u000e-\u001f]/.test(text)) {
    return { ok: false, reason: "the CV is not a document type vendors accept" };
  }
  const head = text.trimStart().slice(0, 512).toLowerCase();
  if (
    /^(<!doctype|<html|<head|<body|<\?xml|<svg|<script)/.test(head) ||
    /<\/?(html|body|head|script)\b/.test(head)
  ) {
    return { ok: false, reason: "the CV download answered a web page (HTML or XML), not a document" };
  }
  if (/^[[{]/.test(head)) {
    try {
      JSON.parse(text);
      return { ok: false, reason: "the CV download answered JSON, not a document" };
    } catch {
      // Not JSON: plain text that happens to start with a bracket.
    }
  }
  if (declared !== "txt")
    return {
      ok: false,
      reason: "the CV is plain text, and its extension does not say it is a text CV (.txt)",
    };
  return { ok: true, ext: "txt", mime: "text/plain" };
}

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** The reason a connection was refused, if the error (or one of its causes) says so. */
function refusalOf(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof AddressRefusedError) return current.reason;
    current = current.cause;
  }
  return undefined;
}

/** A short description of a network failure: its code (`ECONNREFUSED`, a TLS code), else the innermost message. */
function networkReason(error: unknown): string {
  let current: unknown = error;
  let message = "network error";
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if ("code" in current && typeof current.code === "string") return current.code;
    message = current.message;
    current = current.cause;
  }
  return message;
}

/**
 * Downloads a CV with guards: https only (http and loopback only in the sandbox), every address checked at
 * connection time, redirects followed by hand (at most `maxRedirects`, each hop checked like the first), a
 * size cap, a time budget for the whole download, the document type sniffed from the bytes, and a safe file
 * name. Never throws: an unusable URL, a refused address or an unacceptable reply is
 * `{ status: "failed", reason }` (the push reports the CV as failed, never as absent).
 */
export async function fetchCv(source: CvSource, options: CvFetchOptions = {}): Promise<CvResult> {
  const allow = options.allowInsecureHosts ?? false;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_CV_BYTES;
  const timeoutMs = options.timeoutMs ?? DEFAULT_CV_TIMEOUT_MS;
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_CV_REDIRECTS;
  const clock = options.clock ?? systemClock;
  const cleanUrl = (u: string): string => {
    const shown = redactUrl(u, options.redact ?? ((t) => t));
    return shown.split("?")[0] ?? shown;
  };
  const failed = (reason: string): CvResult => ({ status: "failed", reason, url: cleanUrl(source.url) });
  let current = checkCvUrl(source.url, allow);
  if (typeof current === "string") return failed(current);
  const agent = createCvAgent({
    lookup: options.lookup ?? systemLookup,
    allowLoopback: allow,
    ca: options.ca,
  });
  const signal = AbortSignal.timeout(timeoutMs);
  const started = clock.now();
  let hop = 0;
  try {
    for (; ; hop++) {
      const response = await undiciFetch(current, {
        redirect: "manual",
        signal,
        dispatcher: agent,
        headers: { accept: "*/*" },
      });
      if (REDIRECTS.has(response.status)) {
        await response.body?.cancel();
        const location = response.headers.get("location");
        if (!location) return failed(`the CV download answered ${response.status} without a Location`);
        if (hop >= maxRedirects) return failed(`too many redirects (more than ${maxRedirects})`);
        let target: string;
        try {
          target = new URL(location, current).toString();
        } catch {
          return failed("redirected: the CV URL is not a valid URL");
        }
        const next = checkCvUrl(target, allow);
        if (typeof next === "string") return failed(`redirected: ${next}`);
        current = next;
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        return failed(`the CV download answered ${response.status}`);
      }
      const read = await readBodyBytes(response, maxBytes);
      if (!read.ok)
        return failed(
          `the CV is larger than ${maxBytes} bytes${read.reason === "declared" ? ` (${read.size})` : ""}`,
        );
      const { bytes } = read;
      if (bytes.byteLength === 0) return failed("the CV file is empty");
      const declared = source.extension ?? source.fileName?.split(".").pop();
      const type = await decideCvType(bytes, declared);
      if (!type.ok) return failed(type.reason);
      const lastSegment = new URL(source.url.trim()).pathname.split("/").pop() ?? "";
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
    const refused = refusalOf(error);
    if (refused !== undefined) return failed(hop > 0 ? `redirected: ${refused}` : refused);
    const reason = signal.aborted
      ? `the CV download took longer than ${timeoutMs} ms`
      : `the CV download failed (${networkReason(error)})`;
    return failed(`${reason} after ${clock.now() - started} ms`);
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}
