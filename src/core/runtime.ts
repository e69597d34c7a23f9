import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { systemClock, type Clock } from "./clock.js";
import { createLocalRateLimits, type RateLimits, type WaitReason } from "./http/rate-limiter.js";
import { silentLogger, type Logger } from "./logger.js";
import { createMemoryStore } from "./store/memory.js";
import { DEFAULT_RUN_HEARTBEAT_MS, DEFAULT_RUN_STALE_MS } from "./store/runs.js";
import { isClaim, type Claim, type LedgerKey, type Store } from "./store/types.js";

/** Something the engine is doing that a progress display may show. */
export type RuntimeEvent =
  | { type: "wait"; reason: WaitReason; bucket: string; waitMs: number }
  | { type: "wait"; reason: "claim"; bucket: string; waitMs: number; heldBy: string }
  | { type: "wait"; reason: "settle"; bucket: string; waitMs: number };

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /** Where the ledger (and claims) live. @default an in-memory store, lost with the runtime */
  store?: Store;
  /** Vendor rate limits shared by every push of the runtime. @default in-process limits */
  rateLimits?: RateLimits;
  clock?: Clock;
  /** Where the engine logs (secrets are masked before they reach it). @default silent */
  logger?: Logger;
  /** Transport of vendor calls. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** This runtime's name in claims (`host:pid:random` by default); each push adds its own suffix. */
  owner?: string;
  /**
   * Lease of a claim on (connector, target, profile). Renewed every third of it while the push runs; a
   * push of a dead process is taken over once it expires. @default 30000
   */
  leaseMs?: number;
  /** How long a push waits for another push of the same profile and target to finish. @default 120000 */
  claimWaitMs?: number;
  /**
   * How long after a create whose answer was lost the vendor is given to show the record, before the
   * create may be sent again. Lookups are repeated over this window. @default 60000
   */
  settleWindowMs?: number;
  /**
   * How often a running batch or service records a sign of life of its run (`RunStore.heartbeat`).
   * @default 30000
   */
  runHeartbeatMs?: number;
  /**
   * How long a `running` run may go without a sign of life before it is ended as abandoned
   * (`settleAbandonedRuns`); keep it several heartbeats long. @default 180000
   */
  runStaleMs?: number;
  /** Told what the engine waits for (rate limits, vendor pauses, claims, settling). */
  onEvent?: (event: RuntimeEvent) => void;
  /**
   * Called at the points of a push where a crash matters (see {@link Checkpoint}). The crash tests kill
   * the process there; nothing else needs it.
   */
  checkpoint?: (name: Checkpoint) => void;
}

/**
 * The points of a push where a crash matters: a create recorded in flight but not sent yet, a create
 * answered but not recorded done, the candidate recorded but its steps not started, a step recorded in
 * flight but not sent yet.
 */
export type Checkpoint =
  "create:sending" | "create:answered" | "candidate:recorded" | `step:${string}:sending`;

/**
 * The one owner of the state that pushes share: the ledger store, the vendor rate limiters, the
 * per-profile claims, caches (e.g. a company name resolved to an id) and the clock. Create one per program
 * (CLI command, batch, service), pass it to every push, close it once.
 */
export interface Runtime {
  readonly store: Store;
  readonly rateLimits: RateLimits;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly fetch: typeof fetch | undefined;
  readonly owner: string;
  readonly leaseMs: number;
  readonly claimWaitMs: number;
  readonly settleWindowMs: number;
  /** How often a running batch or service records a sign of life of its run. */
  readonly runHeartbeatMs: number;
  /** How long a `running` run may go without a sign of life before it counts as abandoned. */
  readonly runStaleMs: number;
  /** Reports what the engine waits for. */
  emit(event: RuntimeEvent): void;
  /** Marks a point of a push where a crash matters (a no-op unless a `checkpoint` option is given). */
  checkpoint(name: Checkpoint): void;
  /**
   * The value cached under `key`, computed once (concurrent callers share the pending computation); a
   * failure is not cached.
   */
  memo<T>(key: string, compute: () => Promise<T>): Promise<T>;
  /**
   * Claims a key for one push, waiting while another holder's lease is alive (up to `claimWaitMs`, or not at
   * all with `wait: false`), renewing it until released. Resolves to undefined when it stays busy.
   */
  claim(
    key: LedgerKey,
    options?: { wait?: boolean | undefined; signal?: AbortSignal | undefined },
  ): Promise<HeldClaim | undefined>;
  /** Closes the store and the rate limits (once; later calls do nothing). */
  close(): Promise<void>;
}

/** A claim this runtime holds and renews; `lost` aborts when a renewal finds it was taken over. */
export interface HeldClaim {
  readonly current: () => Claim;
  readonly lost: AbortSignal;
  release(): Promise<void>;
}

/** Creates a {@link Runtime}. Everything has a default, so `createRuntime()` gives an in-memory one. */
export function createRuntime(options: RuntimeOptions = {}): Runtime {
  const clock = options.clock ?? systemClock;
  const onEvent = options.onEvent;
  const emit = (event: RuntimeEvent): void => {
    try {
      onEvent?.(event);
    } catch {
      // A display's failure never fails a push.
    }
  };
  const store = options.store ?? createMemoryStore();
  const rateLimits =
    options.rateLimits ??
    createLocalRateLimits(clock, (e) => {
      emit({ type: "wait", ...e });
    });
  const owner = options.owner ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const leaseMs = options.leaseMs ?? 30_000;
  const claimWaitMs = options.claimWaitMs ?? 120_000;
  const cache = new Map<string, Promise<unknown>>();
  let pushes = 0;
  let closed: Promise<void> | undefined;

  const hold = (first: Claim): HeldClaim => {
    let claim = first;
    const controller = new AbortController();
    let stopped = false;
    // Renewal runs on real timers: a lease is wall-clock time shared with other processes.
    const timer = setInterval(
      () => {
        if (stopped) return;
        store.ledger.renew(claim, leaseMs, clock.now()).then(
          (renewed) => {
            if (renewed) claim = renewed;
            else if (!stopped) controller.abort(new Error(`claim on ${first.profileKey} lost`));
          },
          (error: unknown) => {
            options.logger?.warn(`could not renew a claim: ${String(error)}`);
          },
        );
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    return {
      current: () => claim,
      lost: controller.signal,
      release: async () => {
        stopped = true;
        clearInterval(timer);
        await store.ledger.release(claim);
      },
    };
  };

  return {
    store,
    rateLimits,
    clock,
    logger: options.logger ?? silentLogger,
    fetch: options.fetch,
    owner,
    leaseMs,
    claimWaitMs,
    settleWindowMs: options.settleWindowMs ?? 60_000,
    runHeartbeatMs: options.runHeartbeatMs ?? DEFAULT_RUN_HEARTBEAT_MS,
    runStaleMs: options.runStaleMs ?? DEFAULT_RUN_STALE_MS,
    emit,
    checkpoint: (name) => options.checkpoint?.(name),
    memo<T>(key: string, compute: () => Promise<T>): Promise<T> {
      const cached = cache.get(key);
      if (cached) return cached as Promise<T>;
      const pending = compute();
      cache.set(key, pending);
      pending.catch(() => {
        if (cache.get(key) === pending) cache.delete(key);
      });
      return pending;
    },
    async claim(key, claimOptions = {}) {
      const me = `${owner}#${++pushes}`;
      const deadline = clock.now() + (claimOptions.wait === false ? 0 : claimWaitMs);
      let pauseMs = 25;
      for (;;) {
        const result = await store.ledger.claim(key, me, leaseMs, clock.now());
        if (isClaim(result)) return hold(result);
        const now = clock.now();
        if (now >= deadline) return undefined;
        const waitMs = Math.min(pauseMs, deadline - now, Math.max(10, result.expiresAt - now));
        emit({ type: "wait", reason: "claim", bucket: key.connector, waitMs, heldBy: result.heldBy });
        await clock.sleep(waitMs, claimOptions.signal);
        pauseMs = Math.min(pauseMs * 2, 250);
      }
    },
    close() {
      closed ??= (async () => {
        await rateLimits.close();
        await store.close();
      })();
      return closed;
    },
  };
}
