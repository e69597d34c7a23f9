import { createHmac } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import {
  profileEvent,
  signHrflowWebhook,
  startSandbox,
  type WebhookSignatureVariant,
} from "../../src/testing/index.js";
import { createSqliteStore, emptyRunCounts, type RunRecord } from "../../src/index.js";
import { hrflowKey } from "../../src/testing/profiles.js";
import { registerSecret } from "../support/leaks.js";
import {
  ADMIN_TOKEN,
  WEBHOOK_SECRET,
  sandboxTarget,
  startTestService,
  type TestService,
} from "../support/service.js";

/**
 * The webhook ingress over real loopback HTTP, with a SQLite database: what is accepted (every documented
 * signature variant), what is refused and never queued (forged, truncated, replayed with another body,
 * unsigned, too large, not JSON), duplicates, routing, and the endpoints around it.
 */

const sandbox = await startSandbox();
const services: TestService[] = [];
afterAll(async () => {
  for (const s of services) await s.stop();
  await sandbox.close();
});

const amelie = hrflowKey("amelie");
const taro = hrflowKey("taro");

async function start(options: Partial<Parameters<typeof startTestService>[1]> = {}): Promise<TestService> {
  // Workers paused: these tests look at what the ingress wrote, not at pushes.
  const service = await startTestService(sandbox, {
    targets: [sandboxTarget(sandbox, "taleez"), sandboxTarget(sandbox, "smartrecruiters")],
    workers: 1,
    ...options,
  });
  await service.store.queue.pause("taleez", Date.now());
  await service.store.queue.pause("smartrecruiters", Date.now());
  services.push(service);
  return service;
}

const Accepted = z.object({
  jobs: z.array(
    z.object({
      id: z.string(),
      status: z.enum(["queued", "duplicate"]),
      target: z.string(),
      profile: z.string(),
    }),
  ),
  ignored: z.array(z.object({ index: z.number(), reason: z.string() })),
});

async function post(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}/webhooks/hrflow`, { method: "POST", body, headers });
  return { status: response.status, text: await response.text() };
}

describe("POST /webhooks/hrflow accepts", () => {
  it.each<WebhookSignatureVariant>([
    "hex-hmac-of-decoded-payload",
    "raw-hmac-of-encoded-payload",
    "hex-hmac-of-raw-body",
  ])(
    "an event signed with %s: one job per target, a pending ledger entry, then 202 with the job ids",
    async (variant) => {
      const { url, store, logs } = await start();
      const signed = signHrflowWebhook(
        profileEvent(sandbox.sourceKey, { key: amelie }),
        WEBHOOK_SECRET,
        variant,
      );
      const answer = await post(url, signed.body, signed.headers);
      expect(answer.status).toBe(202);
      const body = Accepted.parse(JSON.parse(answer.text));
      expect(body.jobs.map((j) => [j.target, j.status, j.profile]).sort()).toEqual([
        ["smartrecruiters", "queued", amelie],
        ["taleez", "queued", amelie],
      ]);
      const jobs = await store.queue.list();
      expect(jobs.map((j) => j.id).sort()).toEqual(body.jobs.map((j) => j.id).sort());
      const entries = await store.ledger.list({ profileKey: amelie });
      expect(entries.map((e) => [e.connector, e.outcome, e.sourceKey]).sort()).toEqual([
        ["smartrecruiters", "pending", sandbox.sourceKey],
        ["taleez", "pending", sandbox.sourceKey],
      ]);
      expect(logs.find((l) => l["msg"] === "webhook accepted")?.["variant"]).toBe(variant);
    },
  );

  it("the legacy HTTP-RIMINDER-SIGNATURE header", async () => {
    const { url, store } = await start();
    const signed = signHrflowWebhook(
      profileEvent(sandbox.sourceKey, { key: amelie }),
      WEBHOOK_SECRET,
      "hex-hmac-of-decoded-payload",
      "HTTP-RIMINDER-SIGNATURE",
    );
    expect((await post(url, signed.body, signed.headers)).status).toBe(202);
    expect(await store.queue.list()).toHaveLength(2);
  });

  it("a list of events, routing each and saying which it ignored", async () => {
    const { url, store } = await start();
    const events = [
      profileEvent(sandbox.sourceKey, { key: amelie }),
      profileEvent(sandbox.sourceKey, { reference: "ref-taro" }, "profile.parsing.success"),
      profileEvent("another-source", { key: taro }),
      profileEvent(sandbox.sourceKey, { key: taro }, "profile.parsing.error"),
      { type: "profile.storing.success", message: "no profile" },
    ];
    const signed = signHrflowWebhook(events, WEBHOOK_SECRET);
    const answer = await post(url, signed.body, signed.headers);
    expect(answer.status).toBe(202);
    const body = Accepted.parse(JSON.parse(answer.text));
    expect(body.jobs.map((j) => j.profile).sort()).toEqual([amelie, amelie, "ref:ref-taro", "ref:ref-taro"]);
    expect(body.ignored.map((i) => i.index)).toEqual([2, 3, 4]);
    expect(await store.queue.list()).toHaveLength(4);
  });

  it("a duplicate without adding a job: the same event again, or another event while one is waiting", async () => {
    const { url, store } = await start();
    const signed = signHrflowWebhook(profileEvent(sandbox.sourceKey, { key: amelie }), WEBHOOK_SECRET);
    const first = Accepted.parse(JSON.parse((await post(url, signed.body, signed.headers)).text));
    const again = Accepted.parse(JSON.parse((await post(url, signed.body, signed.headers)).text));
    const update = signHrflowWebhook(
      profileEvent(sandbox.sourceKey, { key: amelie }, "profile.storing.update"),
      WEBHOOK_SECRET,
    );
    const updated = Accepted.parse(JSON.parse((await post(url, update.body, update.headers)).text));
    expect(again.jobs.map((j) => j.status)).toEqual(["duplicate", "duplicate"]);
    expect(updated.jobs.map((j) => j.status)).toEqual(["duplicate", "duplicate"]);
    expect(again.jobs.map((j) => j.id).sort()).toEqual(first.jobs.map((j) => j.id).sort());
    expect(await store.queue.list()).toHaveLength(2);
  });

  it("unsigned events only when the configuration says allowUnsigned", async () => {
    const { url, store } = await start({ secret: undefined, allowUnsigned: true });
    const answer = await post(url, JSON.stringify(profileEvent(sandbox.sourceKey, { key: amelie })), {
      "content-type": "application/json",
    });
    expect(answer.status).toBe(202);
    expect(await store.queue.list()).toHaveLength(2);
  });
});

describe("POST /webhooks/hrflow refuses, and queues nothing", () => {
  const event = profileEvent(sandbox.sourceKey, { key: amelie });
  const good = signHrflowWebhook(event, WEBHOOK_SECRET);
  const header = good.headers["HTTP-HRFLOW-SIGNATURE"] ?? "";
  const otherBody = JSON.stringify(profileEvent(sandbox.sourceKey, { key: taro }));
  const cases: [
    string,
    () => { body: string | Uint8Array; headers: Record<string, string> },
    number,
    string,
  ][] = [
    [
      "unsigned",
      () => ({ body: good.body, headers: { "content-type": "application/json" } }),
      401,
      "unsigned",
    ],
    ["forged with another secret", () => signHrflowWebhook(event, "not-the-secret-at-all"), 401, "signature"],
    [
      "signed for another payload (header of one event, a forged signature for another)",
      () => {
        const forged = signHrflowWebhook(profileEvent(sandbox.sourceKey, { key: taro }), "guess");
        return {
          body: forged.body,
          headers: {
            ...forged.headers,
            "HTTP-HRFLOW-SIGNATURE": `${header.split(".")[0] ?? ""}.${Buffer.from(forged.body).toString("base64url")}`,
          },
        };
      },
      401,
      "signature",
    ],
    [
      "with a truncated signature header",
      () => ({
        body: good.body,
        headers: { ...good.headers, "HTTP-HRFLOW-SIGNATURE": header.slice(0, header.length - 7) },
      }),
      401,
      "signature",
    ],
    [
      "raw-body signature with a truncated body",
      () => {
        const signed = signHrflowWebhook(event, WEBHOOK_SECRET, "hex-hmac-of-raw-body");
        return { body: signed.body.slice(0, -5), headers: signed.headers };
      },
      401,
      "signature",
    ],
    [
      "a captured signature replayed with another body",
      () => ({ body: otherBody, headers: good.headers }),
      401,
      "body_mismatch",
    ],
    [
      "a captured raw-body signature replayed with another body",
      () => ({
        body: otherBody,
        headers: signHrflowWebhook(event, WEBHOOK_SECRET, "hex-hmac-of-raw-body").headers,
      }),
      401,
      "signature",
    ],
    [
      "two signature headers that disagree",
      () => ({
        body: good.body,
        headers: {
          ...good.headers,
          "HTTP-RIMINDER-SIGNATURE": createHmac("sha256", "x").update(good.body).digest("hex"),
        },
      }),
      401,
      "signature",
    ],
    [
      "a body over the size cap",
      () => ({ body: JSON.stringify({ ...event, padding: "x".repeat(70_000) }), headers: good.headers }),
      413,
      "too_large",
    ],
    [
      "a body that is not JSON",
      () => ({ body: good.body, headers: { ...good.headers, "content-type": "text/plain" } }),
      415,
      "content_type",
    ],
    [
      "a form body",
      () => ({
        body: "a=1",
        headers: { ...good.headers, "content-type": "application/x-www-form-urlencoded" },
      }),
      415,
      "content_type",
    ],
  ];

  it.each(cases)("%s", async (_name, make, status, reason) => {
    const { url, store, service } = await start();
    const request = make();
    const answer = await post(url, request.body, request.headers);
    expect(answer.status).toBe(status);
    // No detail for the sender.
    expect(JSON.parse(answer.text)).toEqual({ error: expect.any(String) as unknown });
    expect(answer.text).not.toMatch(/signature|secret|variant|header/i);
    expect(await store.queue.list()).toEqual([]);
    expect(await store.ledger.list()).toEqual([]);
    const metrics = await service.metrics.registry.metrics();
    expect(metrics).toContain(`hrflow_connectors_webhook_rejected_total{reason="${reason}"} 1`);
  });
});

describe("around the ingress", () => {
  it("/healthz, /readyz and /metrics answer with low-cardinality labels and no secret or profile key", async () => {
    const { url } = await start();
    const signed = signHrflowWebhook(profileEvent(sandbox.sourceKey, { key: amelie }), WEBHOOK_SECRET);
    await post(url, signed.body, signed.headers);
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: "ok" });
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: "ready", database: "sqlite", workers: 1 });
    const metrics = await (await fetch(`${url}/metrics`)).text();
    for (const name of [
      "hrflow_connectors_webhook_events_total",
      'hrflow_connectors_jobs{state="queued"} 2',
      "hrflow_connectors_queue_oldest_waiting_seconds",
      "hrflow_connectors_pushes_total",
      "hrflow_connectors_push_duration_seconds",
      "hrflow_connectors_runtime_waits_total",
    ])
      expect(metrics).toContain(name);
    expect(metrics).not.toContain(amelie);
    expect(metrics).not.toContain(sandbox.sourceKey);
    expect(metrics).not.toContain(WEBHOOK_SECRET);
  });

  it("asks for the metrics token when one is configured, and never takes the admin token for it", async () => {
    const metricsToken = "metrics-token-0123456789abcdef";
    registerSecret(metricsToken);
    const service = await start({ metricsToken });
    const scrape = (token?: string): Promise<Response> =>
      fetch(`${service.url}/metrics`, token ? { headers: { authorization: `Bearer ${token}` } } : {});
    expect((await scrape()).status).toBe(401);
    expect((await scrape(ADMIN_TOKEN)).status).toBe(401);
    expect((await scrape("metrics-token-0123456789abcdeX")).status).toBe(401);
    const ok = await scrape(metricsToken);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain("hrflow_connectors_webhook_events_total");
    // The probes stay open: an orchestrator checks them without a token.
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200);
  });

  it("ends, on start, the runs of processes that died without ending them, and only those", async () => {
    const store = createSqliteStore(join(mkdtempSync(join(tmpdir(), "svc-runs-")), "service.sqlite"));
    const at = (agoMs: number): string => new Date(Date.now() - agoMs).toISOString();
    const run = (id: string, kind: "batch" | "service", lastSeenAt: string): RunRecord => ({
      id,
      kind,
      status: "running",
      startedAt: at(3_600_000),
      endedAt: undefined,
      lastSeenAt,
      command: "test",
      counts: { ...emptyRunCounts(), created: 3 },
      reportPath: undefined,
      note: undefined,
    });
    const lastSign = at(10 * 60_000);
    await store.runs.create(run("killed-serve", "service", lastSign));
    await store.runs.create(run("live-batch", "batch", at(5_000)));
    const service = await start({ store });
    const killed = await store.runs.get("killed-serve");
    // Ended at its last sign of life, its counts kept.
    expect(killed).toMatchObject({ status: "interrupted", endedAt: lastSign, counts: { created: 3 } });
    expect(killed?.note).toContain("the serve process stopped without shutting down");
    expect((await store.runs.get("live-batch"))?.status).toBe("running");
    const own = await store.runs.list({ kind: "service", statuses: ["running"] });
    expect(own).toHaveLength(1);
    expect(service.logs).toContainEqual(
      expect.objectContaining({
        msg: expect.stringContaining("run ended as interrupted"),
        run: "killed-serve",
      }),
    );
  });

  it("has no operations API without an admin token, and refuses a wrong one", async () => {
    const without = await start({ adminToken: undefined });
    expect(
      (await fetch(`${without.url}/admin/stats`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }))
        .status,
    ).toBe(404);
    const withToken = await start();
    expect((await fetch(`${withToken.url}/admin/stats`)).status).toBe(401);
    expect(
      (
        await fetch(`${withToken.url}/admin/stats`, {
          headers: { authorization: "Bearer wrong-token-0123456789" },
        })
      ).status,
    ).toBe(401);
    const stats = await fetch(`${withToken.url}/admin/stats`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(await stats.json()).toMatchObject({
      counts: { queued: 0 },
      paused: ["smartrecruiters", "taleez"],
    });
  });

  it("stops accepting on stop: what was answered 202 is in the database, later requests find no server", async () => {
    const service = await start();
    const signed = signHrflowWebhook(profileEvent(sandbox.sourceKey, { key: amelie }), WEBHOOK_SECRET);
    const answer = await post(service.url, signed.body, signed.headers);
    await service.stop();
    expect(answer.status).toBe(202);
    await expect(post(service.url, signed.body, signed.headers)).rejects.toThrow();
    const reopened = createSqliteStore(service.store.location);
    try {
      expect(await reopened.queue.list()).toHaveLength(2);
    } finally {
      await reopened.close();
    }
  });
});
