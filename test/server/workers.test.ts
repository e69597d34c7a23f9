import { afterAll, afterEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { XSmartTokenAuth } from "../../src/index.js";
import { profileEvent, sendHrflowWebhook, startSandbox } from "../../src/testing/index.js";
import {
  ADMIN_TOKEN,
  WEBHOOK_SECRET,
  addProfiles,
  sandboxTarget,
  startTestService,
  waitFor,
  waitForJobs,
  type TestService,
} from "../support/service.js";

/**
 * The workers against the SmartRecruiters fake over loopback: an outage that ends (retries within bounds,
 * then success), one that does not (the dead-letter queue fills; a re-drive after recovery empties it),
 * failures that cannot succeed (dead at once), the vendor's Retry-After, and the operations API.
 */

const sandbox = await startSandbox();
const vendor = sandbox.vendor("smartrecruiters");
const [fake] = vendor.fakes;
let running: TestService | undefined;
afterEach(async () => {
  fake?.clearFaults();
  await running?.stop();
  running = undefined;
});
afterAll(async () => {
  await sandbox.close();
});

const candidatesWith = (email: string): number =>
  vendor.candidates().filter((c) => c.email?.toLowerCase() === email.toLowerCase()).length;

async function send(service: TestService, keys: readonly string[]): Promise<string[]> {
  const answer = await sendHrflowWebhook(
    `${service.url}/webhooks/hrflow`,
    keys.map((key) => profileEvent(sandbox.sourceKey, { key })),
    WEBHOOK_SECRET,
  );
  expect(answer.status).toBe(202);
  return z
    .object({ jobs: z.array(z.object({ id: z.string() })) })
    .parse(answer.body)
    .jobs.map((j) => j.id);
}

const admin = (service: TestService, path: string, method = "GET"): Promise<Response> =>
  fetch(`${service.url}/admin${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });

const idle = (counts: Record<string, number>): boolean =>
  counts["queued"] === 0 && counts["active"] === 0 && counts["retry"] === 0;

/** Waits (a few seconds at most) until the run's counters reach these values: they are written as jobs end. */
async function waitForRunCounts(
  read: () => Promise<Record<string, number>>,
  expected: Record<string, number>,
): Promise<void> {
  let counts: Record<string, number> = {};
  for (let i = 0; i < 100; i++) {
    counts = await read();
    if (Object.entries(expected).every(([name, n]) => counts[name] === n)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(counts).toMatchObject(expected);
}

describe("service workers", () => {
  it("retry through a 503 outage within their attempts, then push each profile once", async () => {
    const profiles = addProfiles(sandbox, 3, "outage");
    running = await startTestService(sandbox, {
      targets: [sandboxTarget(sandbox, "smartrecruiters")],
      jobs: { maxAttempts: 10 },
    });
    fake?.fail({ status: 503, times: 8, body: { message: "down for maintenance" } });
    await send(
      running,
      profiles.map((p) => p.key),
    );
    const jobs = await waitForJobs(running.store, idle, "the outage's jobs");
    expect(jobs.map((j) => j.state)).toEqual(["completed", "completed", "completed"]);
    expect(jobs.some((j) => j.attempts > 1)).toBe(true);
    expect(jobs.every((j) => j.attempts <= 10)).toBe(true);
    for (const p of profiles) expect(candidatesWith(p.email)).toBe(1);
    const retried = jobs.flatMap((j) => j.history.filter((h) => h.event === "failed"));
    expect(retried.length).toBeGreaterThan(0);
    expect(retried.every((h) => h.detail?.includes("503") === true)).toBe(true);
    // One line per push with its job id, and no profile data (emails) in any line.
    const pushLines = running.logs.filter(
      (l) => l["msg"] === "push started" || l["msg"] === "push completed",
    );
    expect(pushLines.length).toBeGreaterThan(0);
    expect(pushLines.every((l) => typeof l["jobId"] === "string")).toBe(true);
    const all = running.logs.map((l) => JSON.stringify(l)).join("\n");
    for (const p of profiles) expect(all).not.toContain(p.email);
  });

  it("fill the dead-letter queue when the vendor never recovers; a re-drive after recovery empties it", async () => {
    const profiles = addProfiles(sandbox, 3, "never");
    running = await startTestService(sandbox, {
      targets: [sandboxTarget(sandbox, "smartrecruiters")],
      jobs: { maxAttempts: 3 },
    });
    fake?.fail({ status: 503, times: 1_000_000 });
    await send(
      running,
      profiles.map((p) => p.key),
    );
    const dead = await waitForJobs(running.store, idle, "the jobs to be dead-lettered");
    expect(dead.map((j) => [j.state, j.attempts])).toEqual([
      ["dead", 3],
      ["dead", 3],
      ["dead", 3],
    ]);
    expect(dead.every((j) => j.deadReason?.startsWith("gave up after 3 attempt(s)") === true)).toBe(true);
    const dlq = z
      .object({ jobs: z.array(z.object({ id: z.string() })) })
      .parse(await (await admin(running, "/dlq")).json());
    expect(dlq.jobs).toHaveLength(3);
    for (const p of profiles) expect(candidatesWith(p.email)).toBe(0);

    fake?.clearFaults();
    const redrive = await admin(running, "/dlq/redrive", "POST");
    expect(await redrive.json()).toEqual({ redriven: 3 });
    const done = await waitForJobs(running.store, idle, "the re-driven jobs");
    expect(done.map((j) => j.state)).toEqual(["completed", "completed", "completed"]);
    expect(await (await admin(running, "/dlq")).json()).toEqual({ jobs: [] });
    for (const p of profiles) expect(candidatesWith(p.email)).toBe(1);

    // This process's run record counts each job's end: 3 dead, then 3 created after the re-drive.
    const service = running;
    const RunAnswer = z.object({
      run: z.object({ kind: z.string(), status: z.string(), counts: z.record(z.string(), z.number()) }),
    });
    await waitForRunCounts(
      async () => RunAnswer.parse(await (await admin(service, "/runs/current")).json()).run.counts,
      {
        failed: 3,
        created: 3,
      },
    );
    const { run } = RunAnswer.parse(await (await admin(service, "/runs/current")).json());
    expect(run).toMatchObject({ kind: "service", status: "running" });
    const listed = z
      .object({ runs: z.array(z.object({ kind: z.string() })) })
      .parse(await (await admin(service, "/runs?kind=service")).json());
    expect(listed.runs.length).toBeGreaterThanOrEqual(1);
  });

  it("dead-letter at once what cannot succeed (refused credentials), with the reason", async () => {
    const [profile] = addProfiles(sandbox, 1, "refused");
    const target = {
      ...sandboxTarget(sandbox, "smartrecruiters"),
      auth: new XSmartTokenAuth({ value: "not-the-token-0000" }),
    };
    running = await startTestService(sandbox, { targets: [target] });
    const [id = ""] = await send(running, [profile?.key ?? ""]);
    const store = running.store;
    const job = await waitFor(async () => {
      const found = await store.queue.get(id);
      return found?.state === "dead" ? found : undefined;
    }, "the job to be dead-lettered");
    expect(job.attempts).toBe(1);
    expect(job.deadReason).toMatch(/^auth: AuthError/);
    expect(job.deadReason).not.toContain("not-the-token-0000");
  });

  it("wait at least what the vendor's Retry-After asks; a retry by hand queues the job again now", async () => {
    const [profile] = addProfiles(sandbox, 1, "slowdown");
    running = await startTestService(sandbox, { targets: [sandboxTarget(sandbox, "smartrecruiters")] });
    fake?.fail({ status: 429, times: 1, headers: { "retry-after": "2" } });
    const [id = ""] = await send(running, [profile?.key ?? ""]);
    const store = running.store;
    const waiting = await waitFor(async () => {
      const found = await store.queue.get(id);
      return found?.state === "retry" ? found : undefined;
    }, "the job to wait for a retry");
    const failedAt = waiting.history.find((h) => h.event === "failed")?.at ?? 0;
    expect(waiting.runAt - failedAt).toBeGreaterThanOrEqual(2_000);
    expect(waiting.lastError?.name).toBe("RateLimitError");

    const retry = await admin(running, `/jobs/${id}/retry`, "POST");
    expect(retry.status).toBe(200);
    await waitFor(
      async () => ((await store.queue.get(id))?.state === "completed" ? true : undefined),
      "the retried job",
    );
    const detail = z
      .object({
        job: z.object({ state: z.string() }),
        ledger: z.object({ outcome: z.string(), timeline: z.array(z.object({ step: z.string() })) }),
      })
      .parse(await (await admin(running, `/jobs/${id}`)).json());
    expect(detail.job.state).toBe("completed");
    expect(detail.ledger.outcome).toBe("created");
    expect(detail.ledger.timeline.map((t) => t.step)).toContain("candidate");
    expect(candidatesWith(profile?.email ?? "")).toBe(1);
  });

  it("hold a paused target's jobs, and take them once it is resumed", async () => {
    const [profile] = addProfiles(sandbox, 1, "paused");
    running = await startTestService(sandbox, { targets: [sandboxTarget(sandbox, "smartrecruiters")] });
    expect((await admin(running, "/targets/smartrecruiters/pause", "POST")).status).toBe(200);
    const [id = ""] = await send(running, [profile?.key ?? ""]);
    const store = running.store;
    expect((await store.queue.stats(Date.now())).paused).toEqual(["smartrecruiters"]);
    expect((await admin(running, "/targets/smartrecruiters/resume", "POST")).status).toBe(200);
    await waitFor(
      async () => ((await store.queue.get(id))?.state === "completed" ? true : undefined),
      "the resumed job",
    );
    expect(candidatesWith(profile?.email ?? "")).toBe(1);
  });
});
