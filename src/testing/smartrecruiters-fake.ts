import { randomUUID } from "node:crypto";
import { XSmartTokenAuth } from "../core/auth/static.js";
import type { SandboxVendor } from "./sandbox.js";
import {
  FakeServer,
  isReceivedFile,
  type FakeLimits,
  type FakeRequest,
  type FakeResponse,
} from "./fake-server.js";
import { BodyChecker, EMAIL, isRecord } from "./fake-helpers.js";

/** Options of {@link SmartRecruitersFake}. */
export interface SmartRecruitersFakeOptions {
  /** The API key it accepts in `X-SmartToken`. @default "sr-sandbox-token" */
  token?: string;
  /** Job ids that exist. @default ["3696cad0-a9b0-4a40-9cd7-4cc5feb1a509"] */
  jobs?: readonly string[];
  /** Mount name. @default "smartrecruiters" */
  name?: string;
}

/** A candidate as the fake stores it. */
export interface FakeSrCandidate {
  id: string;
  body: Record<string, unknown>;
  jobs: string[];
  /** Uploaded files; `jobId` when uploaded through the job-scoped endpoint. */
  attachments: {
    id: string;
    name: string;
    type: string;
    contentType: string;
    size: number;
    jobId?: string;
  }[];
  createdOn: string;
}

const DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;
const error = (
  status: number,
  message: string,
  errors: { code: string; message: string }[] = [],
): FakeResponse => ({
  status,
  body: { message, errors },
});

/** When the fake says the candidate-level attachment upload is deprecated (RFC 9745) and its sunset (RFC 8594). */
export const SR_ATTACHMENTS_DEPRECATION = {
  deprecation: "@1767225600", // 2026-01-01T00:00:00Z
  sunset: "Thu, 31 Dec 2026 23:59:59 GMT",
} as const;

/** Marks an answer of a deprecated endpoint: `Deprecation`, `Sunset`, and a link to its successor. */
function deprecated(response: FakeResponse): FakeResponse {
  return {
    ...response,
    headers: {
      ...response.headers,
      Deprecation: SR_ATTACHMENTS_DEPRECATION.deprecation,
      Sunset: SR_ATTACHMENTS_DEPRECATION.sunset,
      Link: '</candidates/{id}/jobs/{jobId}/attachments>; rel="successor-version"',
    },
  };
}

/**
 * Fake SmartRecruiters Candidate API: checks `X-SmartToken`, validates `CandidateInput` (singular
 * `experience`/`education`, ISO country codes, dates `YYYY[-MM[-DD]]`, no unknown fields), keeps
 * candidates for search and duplicates, takes multipart attachments, and enforces one concurrent search.
 */
export class SmartRecruitersFake extends FakeServer {
  readonly token: string;
  readonly jobs: Set<string>;
  readonly candidates = new Map<string, FakeSrCandidate>();
  #searchesInFlight = 0;

  constructor(options: SmartRecruitersFakeOptions = {}) {
    super(options.name ?? "smartrecruiters");
    this.token = options.token ?? "sr-sandbox-token";
    this.jobs = new Set(options.jobs ?? ["3696cad0-a9b0-4a40-9cd7-4cc5feb1a509"]);
    this.route("GET", "/candidates", (req) => this.#auth(req, () => this.#search(req)));
    this.route("POST", "/candidates", (req) => this.#auth(req, () => this.#create(req, undefined)));
    this.route("POST", "/jobs/:jobId/candidates", (req) =>
      this.#auth(req, () => this.#create(req, req.params["jobId"])),
    );
    this.route("GET", "/candidates/:id", (req) => this.#auth(req, () => this.#get(req)));
    this.route("GET", "/candidates/:id/attachments", (req) =>
      this.#auth(req, () => this.#listAttachments(req)),
    );
    // Deprecated in SmartRecruiters' current API description: still served, with the headers that say so.
    this.route("POST", "/candidates/:id/attachments", (req) =>
      this.#auth(req, () => deprecated(this.#attach(req, undefined))),
    );
    this.route("POST", "/candidates/:id/jobs/:jobId/attachments", (req) =>
      this.#auth(req, () => this.#attach(req, req.params["jobId"] ?? "")),
    );
  }

  /**
   * SmartRecruiters' documented limits, per `X-SmartToken`: 10 requests per second, 8 in flight, and one
   * `GET /candidates` at a time; over them, 429 without `Retry-After` (SmartRecruiters sends none).
   * Overrides replace single figures (a test's tighter window).
   */
  enforceVendorLimits(overrides: Partial<FakeLimits> = {}): this {
    return this.limit({
      requests: 10,
      perMs: 1000,
      concurrency: 8,
      lanes: [{ name: "candidate-search", method: "GET", path: /^\/candidates$/, concurrency: 1 }],
      retryAfter: false,
      credential: (req) => req.headers["x-smarttoken"] ?? "(none)",
      refusal: (reason) =>
        error(429, "Too many requests", [
          {
            code: "TOO_MANY_REQUESTS",
            message:
              reason === "rate" ? "Rate limit of 10 requests per second reached" : "Concurrent limit reached",
          },
        ]),
      ...overrides,
    });
  }

  /** Candidates with this email (case-insensitive). */
  findByEmail(email: string): FakeSrCandidate[] {
    return [...this.candidates.values()].filter(
      (c) => String(c.body["email"]).toLowerCase() === email.toLowerCase(),
    );
  }

  async #auth(req: FakeRequest, handle: () => FakeResponse | Promise<FakeResponse>): Promise<FakeResponse> {
    if (req.headers["x-smarttoken"] !== this.token)
      return error(401, "Unauthorized", [
        { code: "UNAUTHORIZED", message: "Invalid or missing X-SmartToken" },
      ]);
    const response = await handle();
    return {
      ...response,
      headers: { "x-ratelimit-limit": "10", "x-ratelimit-remaining": "9", ...response.headers },
    };
  }

  #details(c: FakeSrCandidate): Record<string, unknown> {
    const [primary, ...secondary] = c.jobs;
    return {
      id: c.id,
      internal: false,
      ...c.body,
      createdOn: c.createdOn,
      updatedOn: c.createdOn,
      primaryAssignment: primary ? { job: { id: primary }, status: "NEW" } : null,
      secondaryAssignments: secondary.map((id) => ({ job: { id }, status: "NEW" })),
    };
  }

  async #search(req: FakeRequest): Promise<FakeResponse> {
    // SmartRecruiters allows one concurrent call of GET /candidates per credential.
    if (this.#searchesInFlight > 0)
      return error(429, "Too many concurrent requests", [
        { code: "TOO_MANY_REQUESTS", message: "Concurrent limit of 1 reached for GET /candidates" },
      ]);
    this.#searchesInFlight += 1;
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const q = (req.query.get("q") ?? "").toLowerCase();
      const limit = Number(req.query.get("limit") ?? "10");
      if (!Number.isInteger(limit) || limit < 1 || limit > 100)
        return error(400, "Invalid limit", [{ code: "INVALID_PARAMETER", message: "limit must be 1..100" }]);
      const hits = [...this.candidates.values()].filter((c) =>
        [c.body["email"], c.body["firstName"], c.body["lastName"]].some(
          (v) => typeof v === "string" && v.toLowerCase().includes(q),
        ),
      );
      return {
        status: 200,
        body: {
          totalFound: hits.length,
          offset: 0,
          limit,
          content: hits.slice(0, limit).map((c) => this.#details(c)),
        },
      };
    } finally {
      this.#searchesInFlight -= 1;
    }
  }

  #validate(body: unknown): BodyChecker {
    const check = new BodyChecker();
    if (!isRecord(body)) {
      check.add("(body)", "must be a JSON object");
      return check;
    }
    check.onlyKeys(body, [
      "firstName",
      "lastName",
      "email",
      "phoneNumber",
      "location",
      "web",
      "tags",
      "education",
      "experience",
      "sourceDetails",
      "internal",
    ]);
    check.string(body, "firstName", { required: true });
    check.string(body, "lastName", { required: true });
    check.string(body, "email", { required: true, pattern: EMAIL });
    check.string(body, "phoneNumber");
    if (body["location"] !== undefined) {
      const loc = body["location"];
      if (!isRecord(loc)) check.add("location", "must be an object");
      else {
        check.onlyKeys(
          loc,
          ["country", "countryCode", "regionCode", "region", "city", "lat", "lng"],
          "location.",
        );
        for (const key of ["country", "regionCode", "region", "city"])
          check.string(loc, key, { prefix: "location." });
        check.string(loc, "countryCode", { pattern: /^[A-Za-z]{2}$/, prefix: "location." });
        for (const key of ["lat", "lng"])
          if (loc[key] !== undefined && typeof loc[key] !== "number")
            check.add(`location.${key}`, "must be a number");
        if (loc["lat"] === 0 && loc["lng"] === 0) check.add("location.lat", "0,0 is not a real location");
      }
    }
    if (body["web"] !== undefined) {
      const web = body["web"];
      if (!isRecord(web)) check.add("web", "must be an object");
      else {
        // Older docs say `linkedin`, newer ones `linkedIn`: both accepted.
        check.onlyKeys(web, ["skype", "linkedin", "linkedIn", "facebook", "twitter", "website"], "web.");
        for (const key of ["linkedin", "linkedIn", "facebook", "twitter", "website"])
          check.url(web, key, "web.");
      }
    }
    if (body["tags"] !== undefined) {
      if (!Array.isArray(body["tags"])) check.add("tags", "must be a list");
      else
        body["tags"].forEach((t, i) => {
          if (typeof t !== "string" || t.length < 1 || t.length > 150)
            check.add(`tags[${i}]`, "must be 1-150 characters");
        });
    }
    const entries = (key: string, allowed: string[]): void => {
      const list = body[key];
      if (list === undefined) return;
      if (!Array.isArray(list)) {
        check.add(key, "must be a list");
        return;
      }
      list.forEach((item, i) => {
        const prefix = `${key}[${i}].`;
        if (!isRecord(item)) {
          check.add(`${key}[${i}]`, "must be an object");
          return;
        }
        check.onlyKeys(item, allowed, prefix);
        for (const field of allowed)
          if (field !== "current")
            check.string(item, field, { prefix, pattern: field.endsWith("Date") ? DATE : undefined });
        check.boolean(item, "current", prefix);
      });
    };
    entries("experience", ["title", "company", "current", "startDate", "endDate", "location", "description"]);
    entries("education", [
      "institution",
      "degree",
      "major",
      "current",
      "location",
      "startDate",
      "endDate",
      "description",
    ]);
    return check;
  }

  #create(req: FakeRequest, jobId: string | undefined): FakeResponse {
    if (jobId !== undefined && !this.jobs.has(jobId))
      return error(404, "Job not found", [{ code: "JOB_NOT_FOUND", message: `Job ${jobId} does not exist` }]);
    const check = this.#validate(req.body);
    if (check.problems.length > 0) {
      return error(
        400,
        "Invalid candidate",
        check.problems.map((p) => ({ code: "INVALID_FIELD", message: `${p.field}: ${p.message}` })),
      );
    }
    const candidate: FakeSrCandidate = {
      id: randomUUID(),
      body: req.body as Record<string, unknown>,
      jobs: jobId ? [jobId] : [],
      attachments: [],
      createdOn: new Date().toISOString(),
    };
    this.candidates.set(candidate.id, candidate);
    return { status: 201, body: this.#details(candidate) };
  }

  #get(req: FakeRequest): FakeResponse {
    const candidate = this.candidates.get(req.params["id"] ?? "");
    return candidate
      ? { status: 200, body: this.#details(candidate) }
      : error(404, "Candidate not found", [{ code: "NOT_FOUND", message: "Candidate not found" }]);
  }

  #listAttachments(req: FakeRequest): FakeResponse {
    const candidate = this.candidates.get(req.params["id"] ?? "");
    if (!candidate) return error(404, "Candidate not found");
    return {
      status: 200,
      body: { totalFound: candidate.attachments.length, content: candidate.attachments },
    };
  }

  #attach(req: FakeRequest, jobId: string | undefined): FakeResponse {
    const candidate = this.candidates.get(req.params["id"] ?? "");
    if (!candidate) return error(404, "Candidate not found");
    if (jobId !== undefined && !candidate.jobs.includes(jobId))
      return error(404, "Candidate is not assigned to given job");
    if (!req.contentType.startsWith("multipart/form-data") || !isRecord(req.body))
      return error(415, "Expected multipart/form-data");
    const file = req.body["file"];
    const type = req.body["attachmentType"] ?? "GENERIC_FILE";
    if (!isReceivedFile(file))
      return error(400, "Invalid attachment", [{ code: "MISSING_FILE", message: "file part is required" }]);
    if (typeof type !== "string" || !["RESUME", "COVER_LETTER", "GENERIC_FILE"].includes(type))
      return error(400, "Invalid attachmentType");
    if (file.size === 0) return error(400, "Empty file");
    const attachment = {
      id: randomUUID(),
      name: file.fileName,
      type,
      contentType: file.contentType,
      size: file.size,
      ...(jobId === undefined ? {} : { jobId }),
    };
    candidate.attachments.push(attachment);
    return {
      status: 201,
      body: {
        ...attachment,
        actions: { download: { url: `${this.url}/attachments/${attachment.id}`, method: "GET" } },
      },
    };
  }
}

/** The SmartRecruiters part of the sandbox. */
export function createSmartRecruitersSandbox(fake = new SmartRecruitersFake()): SandboxVendor {
  const jobId = [...fake.jobs][0] ?? "";
  return {
    connector: "smartrecruiters",
    fakes: [fake],
    env: () => ({ SMARTRECRUITERS_TOKEN: fake.token }),
    auth: () => new XSmartTokenAuth({ value: fake.token }),
    options: () => ({ baseUrl: fake.url, jobId }),
    cliFlags: () => ["--base-url", fake.url, "--job-id", jobId],
    faults: {
      create: { fake, method: "POST", path: /^\/(jobs\/[^/]+\/)?candidates$/ },
      cvUpload: { fake, method: "POST", path: /^\/candidates\/[^/]+\/(jobs\/[^/]+\/)?attachments$/ },
    },
    candidates: () =>
      [...fake.candidates.values()].map((c) => ({
        vendorId: c.id,
        name: `${String(c.body["firstName"])} ${String(c.body["lastName"])}`,
        email: typeof c.body["email"] === "string" ? c.body["email"] : undefined,
        cv: c.attachments.find((a) => a.type === "RESUME")?.name,
        details: `${Array.isArray(c.body["experience"]) ? c.body["experience"].length : 0} experiences, ${Array.isArray(c.body["tags"]) ? c.body["tags"].length : 0} tags, jobs: ${c.jobs.join(", ") || "talent pool"}`,
      })),
  };
}
