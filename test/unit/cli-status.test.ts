import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Output, printPushResponse, type CliIo } from "../../src/cli/output.js";
import { statusOf, type StatusLine } from "../../src/cli/status.js";
import { fitWidth, textTable, displayWidth } from "../../src/cli/table.js";
import { SmartRecruiters } from "../../src/connectors/smartrecruiters/index.js";
import { XSmartTokenAuth } from "../../src/core/auth/static.js";
import { createRuntime } from "../../src/core/runtime.js";
import { createVirtualClock } from "../../src/testing/clock.js";
import { hrflowKey } from "../../src/testing/profiles.js";
import { startSandbox, type Sandbox } from "../../src/testing/sandbox.js";

/** A status line that remembers what it was asked to show. */
function recorder(): StatusLine & { shown: string[]; cleared: number } {
  const shown: string[] = [];
  const state = { shown, cleared: 0 };
  return Object.assign(state, {
    set: (text: string) => {
      shown.push(text);
    },
    progress: (done: number, total: number, text: string) => {
      shown.push(`[${done}/${total}] ${text}`);
    },
    clear: () => {
      state.cleared += 1;
    },
  });
}

function io(status: StatusLine): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (chunk: string) => out.push(chunk) },
    stderr: { write: (chunk: string) => err.push(chunk) },
    env: {},
    cwd: process.cwd(),
    status,
  };
}

describe("the status line", () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox();
  });
  afterAll(() => sandbox.close());

  it("says what a push waits for: HrFlow, each vendor request, the rate limit after a 429", async () => {
    const status = recorder();
    const cli = io(status);
    const out = new Output(cli, { json: false, verbose: false, quiet: false });
    const vendor = sandbox.vendor("smartrecruiters");
    const fake = vendor.faults.create.fake;
    fake.fail({
      method: "POST",
      path: /candidates$/,
      status: 429,
      headers: { "retry-after": "9" },
      body: {},
    });
    const response = await SmartRecruiters.pushProfile({
      hrflowClient: sandbox.hrflowClient,
      auth: new XSmartTokenAuth({ value: "sr-sandbox-token" }),
      profile: { key: hrflowKey("taro"), source: { key: sandbox.sourceKey } },
      runtime: createRuntime({ clock: createVirtualClock() }),
      allowInsecureCvUrls: true,
      logger: out.logger(),
      ...vendor.options(),
    });
    expect(response.result?.action).toBe("created");
    expect(status.shown).toContain("pulling the profile from HrFlow");
    expect(status.shown).toContain("SmartRecruiters: search candidates");
    expect(status.shown).toContain("SmartRecruiters: create candidate on job");
    expect(status.shown).toContain("waiting 9 s for SmartRecruiters' rate limit (create candidate on job)");
    expect(status.shown.some((s) => s.startsWith("SmartRecruiters: upload resume"))).toBe(true);
    // The retry is a warning log line on stderr (the default level); no status text leaks to stdout.
    expect(cli.out).toEqual([]);
  });

  it("is silent with --json and --quiet", () => {
    for (const mode of [
      { json: true, verbose: false, quiet: false },
      { json: false, verbose: false, quiet: true },
    ]) {
      const status = recorder();
      const out = new Output(io(status), mode);
      out.logger().info("Pulling", { event: "pull" });
      expect(status.shown).toEqual([]);
    }
  });

  it("reads the library's structured events, and nothing else", () => {
    expect(statusOf("x", { event: "rate-limit-wait", vendor: "Breezy HR" })).toBe(
      "waiting for Breezy HR's rate limit",
    );
    expect(statusOf("x", { event: "retry-wait", vendor: "Taleez", operation: "create", waitMs: 2400 })).toBe(
      "Taleez: create failed; retrying in 2 s",
    );
    expect(statusOf("x", { event: "cv-download" })).toBe("downloading the CV");
    expect(statusOf("HTTP GET ...", { vendor: "Taleez" })).toBeUndefined();
  });
});

describe("warnings and widths", () => {
  it("keeps the result's warnings out of the log, so that the result prints each once", () => {
    const cli = io(recorder());
    const out = new Output(cli, { json: false, verbose: false, quiet: false });
    const logger = out.logger();
    logger.warn("info.summary was cut", { event: "warning" });
    logger.warn("SmartRecruiters: create will be retried in 100 ms", { event: "retry-wait" });
    expect(cli.err.join("")).not.toContain("was cut");
    expect(cli.err.join("")).toContain("will be retried");
    expect(out.loggedWarnings).toEqual(["info.summary was cut"]);
    out.warnings(["a warning ".repeat(20).trim()]);
    const lines = cli.out.join("").trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(80);
  });

  it("prints a warning that repeats a step's detail once, in the table", () => {
    const cli = io(recorder());
    const out = new Output(cli, { json: false, verbose: false, quiet: false });
    const detail =
      "Breezy answered 202 partialCandidateCreated: push again once the candidate completed the form";
    printPushResponse(out, "Breezy HR", {
      status_code: 202,
      headers: { "Content-Type": "application/json" },
      message: "Profile partially pushed",
      result: {
        connector: "breezyhr",
        profileKey: "k",
        action: "partial",
        vendorId: undefined,
        cv: { status: "failed" },
        steps: [{ step: "candidate", status: "failed", detail }],
        warnings: [detail, "info.summary was cut", "info.summary was cut"],
      },
    });
    const text = cli.out.join("");
    expect(text.split("partialCandidateCreated")).toHaveLength(2);
    expect(text.split("info.summary was cut")).toHaveLength(2);
  });

  it("wraps a table's long column and cuts code lines to the width", () => {
    const lines = textTable(
      ["step", "status", "detail"],
      [["candidate", "done", "created on the job after a lookup by email that found nobody ".repeat(3)]],
      { maxWidth: 60, wrapColumn: 2 },
    );
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(60);
    expect(fitWidth("田中".repeat(50), 11)).toBe("田中田中田…");
    expect(displayWidth(fitWidth("x".repeat(200), 80))).toBe(80);
  });
});
