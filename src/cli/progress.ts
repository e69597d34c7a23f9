import { Writable } from "node:stream";
import { createLogUpdate } from "log-update";
import type { BatchProgress, RuntimeEvent } from "../index.js";
import type { Stream } from "./output.js";

/**
 * The progress of `push-profiles` on stderr: a live block redrawn in place on a terminal (log-update),
 * plain lines every few seconds otherwise (logs, CI), nothing with `--quiet`. It says how far the run is,
 * how fast it goes, when it should end, the counts, and what it is waiting for (a vendor's rate limit, a
 * pause the vendor asked for, another push of the same profile, a create settling).
 */

/** How progress is shown. */
export type ProgressMode = "tty" | "lines" | "none";

/** Options of {@link createProgressDisplay}. */
export interface ProgressOptions {
  mode: ProgressMode;
  /** Where lines go (stderr). */
  stream: Stream;
  /** The same stream as a Node stream, for the live block (`tty` mode draws nothing without it). */
  ttyStream?: NodeJS.WritableStream | undefined;
  /** The first line: what the run does. */
  title: string;
  /** Time source (tests). @default Date.now */
  now?: () => number;
  /** Between two plain lines. @default 10000 */
  lineIntervalMs?: number;
  /** Between two redraws on a terminal. @default 200 */
  redrawMs?: number;
}

/** A progress display: fed with progress and wait events, stopped at the end. */
export interface ProgressDisplay {
  update(progress: BatchProgress): void;
  /** A wait of the engine (from the runtime's `onEvent`). */
  waiting(event: RuntimeEvent): void;
  /** A line above the live block (a stop notice). */
  note(text: string): void;
  /** Draws the last state and stops redrawing. */
  stop(): void;
}

const WAIT_LABELS: Record<string, string> = {
  "rate-limit": "rate limit",
  "vendor-pause": "vendor asked to wait",
  concurrency: "requests in flight",
  claim: "another push of the same profile",
  settle: "a create to show up",
};

/** `1h02m`, `3m05s`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}

function bar(fraction: number, width: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `${"█".repeat(filled)}${"░".repeat(width - filled)}`;
}

/**
 * The terminal as log-update sees it: a pseudo-terminal without a window size (`script`, some CI runners)
 * says 0 rows and 0 columns, which log-update takes as "draw nothing"; 24 by 80 is assumed instead.
 */
class TerminalStream extends Writable {
  readonly isTTY = true;
  readonly #target: NodeJS.WritableStream & { columns?: number; rows?: number };
  constructor(target: NodeJS.WritableStream & { columns?: number; rows?: number }) {
    super();
    this.#target = target;
  }
  get columns(): number {
    return this.#target.columns || 80;
  }
  get rows(): number {
    return this.#target.rows || 24;
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.#target.write(chunk instanceof Uint8Array ? chunk : String(chunk));
    done();
  }
}

/** Creates the display for a mode (`none` draws nothing). */
export function createProgressDisplay(options: ProgressOptions): ProgressDisplay {
  const now = options.now ?? Date.now;
  const started = now();
  let last: BatchProgress = {
    total: undefined,
    profiles: 0,
    done: 0,
    counts: {
      created: 0,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      partial: 0,
      failed: 0,
      refused: 0,
      discarded: 0,
    },
  };
  /** The latest wait per bucket, with when it was seen. */
  const waits = new Map<string, { label: string; until: number }>();
  if (options.mode === "none")
    return {
      update: () => undefined,
      waiting: () => undefined,
      note: () => undefined,
      stop: () => undefined,
    };

  const describeWaits = (): string => {
    const at = now();
    const current = [...waits.entries()]
      .filter(([, w]) => w.until + 1000 >= at)
      .map(([bucket, w]) => `${bucket.split("|")[0] ?? bucket}: ${w.label}`);
    return current.length > 0 ? current.join("; ") : "";
  };

  const lines = (): string[] => {
    const elapsed = now() - started;
    const rate = elapsed > 0 ? (last.done / elapsed) * 1000 : 0;
    const { total, done, counts } = last;
    const eta =
      total !== undefined && rate > 0 && done < total
        ? ` · ETA ${formatDuration(((total - done) / rate) * 1000)}`
        : "";
    const position =
      total !== undefined && total > 0
        ? `${done}/${total} items (${Math.floor((done / total) * 100)}%)`
        : `${done} items (${last.profiles} profiles read)`;
    const countLine = Object.entries(counts)
      .filter(([name, n]) => n > 0 || ["created", "updated", "unchanged", "failed"].includes(name))
      .map(([name, n]) => `${name} ${n}`)
      .join(" · ");
    const waiting = describeWaits();
    return [
      `${total !== undefined && total > 0 ? `${bar(done / total, 24)} ` : ""}${position} · ${rate.toFixed(1)}/s · ${formatDuration(elapsed)}${eta}`,
      countLine,
      ...(waiting ? [`waiting for ${waiting}`] : []),
    ];
  };

  if (options.mode === "tty" && options.ttyStream) {
    const draw = createLogUpdate(new TerminalStream(options.ttyStream), { showCursor: true });
    const render = (): void => {
      draw([options.title, ...lines()].join("\n"));
    };
    const timer = setInterval(render, options.redrawMs ?? 200);
    timer.unref();
    render();
    return {
      update: (progress) => {
        last = progress;
      },
      waiting: (event) => {
        waits.set(event.bucket, {
          label: WAIT_LABELS[event.reason] ?? event.reason,
          until: now() + event.waitMs,
        });
      },
      note: (text) => {
        draw.clear();
        options.stream.write(`${text}\n`);
        render();
      },
      stop: () => {
        clearInterval(timer);
        render();
        draw.done();
      },
    };
  }

  // Plain lines: one now and then, for logs that are read later.
  const print = (): void => {
    const [position = "", counts = "", waiting] = lines();
    options.stream.write(`[push-profiles] ${position} · ${counts}${waiting ? ` · ${waiting}` : ""}\n`);
  };
  const timer = setInterval(print, options.lineIntervalMs ?? 10_000);
  timer.unref();
  return {
    update: (progress) => {
      last = progress;
    },
    waiting: (event) => {
      waits.set(event.bucket, {
        label: WAIT_LABELS[event.reason] ?? event.reason,
        until: now() + event.waitMs,
      });
    },
    note: (text) => {
      options.stream.write(`${text}\n`);
    },
    stop: () => {
      clearInterval(timer);
      print();
    },
  };
}
