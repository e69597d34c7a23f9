/**
 * Bounded reads of HTTP answers. `response.text()` reads whatever the server sends: an endless or huge
 * answer (a broken proxy, a hostile endpoint) would take the process's memory. These readers stop at a cap,
 * cancel the rest of the body (which closes the connection) and say so.
 */

/** Largest API answer read by default (HrFlow and vendor APIs): 10 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

/** What the readers need of an answer: a global `Response`, or undici's. */
export interface BodySource {
  readonly headers: { get(name: string): string | null };
  readonly body: ReadableStream<Uint8Array> | null;
}

/** The outcome of {@link readBodyBytes}: the bytes, or how the cap was exceeded. */
export type BoundedBytes =
  | { ok: true; bytes: Uint8Array }
  | {
      ok: false;
      /** `declared`: the `Content-Length` header announced more than the cap (nothing was read). */
      reason: "declared" | "read";
      /** The announced length, or the bytes read when the cap was passed. */
      size: number;
    };

/**
 * Reads a body up to `maxBytes`. Past the cap (announced by `Content-Length` or seen while reading) the
 * body is cancelled and `{ ok: false }` comes back; nothing past the cap is kept in memory.
 */
export async function readBodyBytes(response: BodySource, maxBytes: number): Promise<BoundedBytes> {
  const declared = Number(response.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => undefined);
    return { ok: false, reason: "declared", size: declared };
  }
  const body = response.body;
  if (!body) return { ok: true, bytes: new Uint8Array(0) };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel().catch(() => undefined);
        return { ok: false, reason: "read", size: total };
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return { ok: true, bytes };
}

/** The text of a body (UTF-8) up to `maxBytes`, or how the cap was exceeded. */
export async function readBodyText(
  response: BodySource,
  maxBytes: number,
): Promise<{ ok: true; text: string } | Extract<BoundedBytes, { ok: false }>> {
  const read = await readBodyBytes(response, maxBytes);
  if (!read.ok) return read;
  return { ok: true, text: new TextDecoder("utf-8").decode(read.bytes) };
}

/** "10 MiB", "1.5 KiB", "512 bytes": a size for a message. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${+(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${+(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}
