import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SmartRecruiters } from "../../src/connectors/smartrecruiters/index.js";
import { XSmartTokenAuth } from "../../src/core/auth/static.js";
import { createRuntime } from "../../src/core/runtime.js";
import { samplePdf } from "../../src/testing/files.js";
import { hrflowKey, sampleProfiles } from "../../src/testing/profiles.js";
import { startSandbox, type Sandbox } from "../../src/testing/sandbox.js";
import { runPush } from "../support/push.js";
import { createTestPki, type TestPki } from "../support/tls.js";

/** What a push says about a CV that cannot or must not be fetched: a failed CV (202), never "no CV". */
describe("the pipeline and hostile CV URLs", () => {
  let sandbox: Sandbox;
  let pki: TestPki;
  let files: Server;
  let port = 0;
  let served = 0;
  const amelie = sampleProfiles().find((s) => s.name === "amelie");
  beforeAll(async () => {
    sandbox = await startSandbox({ samples: [] });
    pki = createTestPki(["cv.example.test"]);
    files = createServer({ key: pki.key, cert: pki.cert }, (_req, res) => {
      served += 1;
      res.writeHead(200, { "content-type": "application/pdf" }).end(samplePdf());
    });
    await new Promise<void>((resolve) => files.listen(0, "127.0.0.1", resolve));
    port = (files.address() as AddressInfo).port;
  });
  afterAll(async () => {
    files.closeAllConnections();
    await new Promise<void>((resolve) => {
      files.close(() => {
        resolve();
      });
    });
    await sandbox.close();
  });

  const withCvUrl = (name: string, url: string): string => {
    if (!amelie) throw new Error("no sample");
    sandbox.hrflow.addProfile(sandbox.sourceKey, {
      ...amelie.profile,
      key: hrflowKey(name),
      info: { ...(amelie.profile["info"] as object), email: `${name}@example.com` },
      attachments: [{ type: "resume", public_url: url, file_name: "cv.pdf", extension: ".pdf" }],
    });
    return hrflowKey(name);
  };
  const push = (key: string, extra: Record<string, unknown> = {}) =>
    runPush(SmartRecruiters.pushProfile, {
      hrflowClient: sandbox.hrflowClient,
      auth: new XSmartTokenAuth({ value: "sr-sandbox-token" }),
      profile: { key, source: { key: sandbox.sourceKey } },
      runtime: createRuntime(),
      ...sandbox.vendor("smartrecruiters").options(),
      ...extra,
    });

  it.each([
    [
      "host-without-dot",
      "https://intranet/cv.pdf",
      'the CV URL\'s host "intranet" is not a public domain name',
    ],
    ["ipv6-literal", "https://[::ffff:169.254.169.254]/latest", "a link-local address"],
    ["ipv6-loopback", "https://[::1]/cv.pdf", "the CV URL points to a loopback address"],
    ["bad-scheme", "ftp://files.example.com/cv.pdf", "the CV URL must use https (got ftp)"],
  ])(
    "%s: the candidate is pushed, the CV is reported failed with its reason (202)",
    async (name, url, reason) => {
      const { response } = await push(withCvUrl(name, url));
      expect(response?.status_code).toBe(202);
      expect(response?.result?.cv).toMatchObject({
        status: "failed",
        reason: expect.stringContaining(reason),
      });
      expect(response?.message).toContain("Profile partially pushed");
    },
  );

  it("a host that resolves to loopback is a failed CV outside the sandbox, and nothing is fetched", async () => {
    const before = served;
    const { response } = await push(withCvUrl("rebound", `https://cv.example.test:${port}/cv.pdf`), {
      cvLookup: () => Promise.resolve([{ address: "127.0.0.1" }]),
      cvCa: pki.ca,
    });
    expect(response?.status_code).toBe(202);
    expect(response?.result?.cv).toEqual({
      status: "failed",
      reason: "the CV host resolves to a loopback address",
    });
    expect(served).toBe(before);
  });

  it("passes the CV options through: resolver, trusted CA, budget and redirects (sandbox)", async () => {
    const before = served;
    const { response } = await push(withCvUrl("trusted", `https://cv.example.test:${port}/cv.pdf`), {
      allowInsecureCvUrls: true,
      cvLookup: () => Promise.resolve([{ address: "127.0.0.1" }]),
      cvCa: pki.ca,
      cvTimeoutMs: 5000,
      maxCvRedirects: 1,
    });
    expect(response?.status_code).toBe(201);
    expect(response?.result?.cv).toMatchObject({ status: "uploaded", contentType: "application/pdf" });
    expect(served).toBe(before + 1);
  });

  it("checks the CV options", async () => {
    const { error } = await push(withCvUrl("options", "https://files.example.com/cv.pdf"), {
      cvLookup: "8.8.8.8",
      maxCvRedirects: -1,
      cvCa: 42,
    });
    expect(String(error)).toMatch(/cvLookup: must be a function/);
    expect(String(error)).toMatch(/maxCvRedirects/);
    expect(String(error)).toMatch(/cvCa: must be PEM text/);
  });
});
