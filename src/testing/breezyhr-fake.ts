import { randomBytes, randomUUID } from "node:crypto";
import { OAuth2EmailPasswordBody } from "../core/auth/oauth2.js";
import type { SandboxVendor } from "./sandbox.js";
import {
  FakeServer,
  isReceivedFile,
  type FakeLimits,
  type FakeRequest,
  type FakeResponse,
} from "./fake-server.js";
import { BodyChecker, EMAIL, WindowCounter, isRecord } from "./fake-helpers.js";

/** A company the fake account belongs to. */
export interface FakeBreezyCompany {
  _id: string;
  name: string;
}

/** Application-form fields a position may require from an `applied` candidate. */
export type FakeBreezyRequiredField = "phone_number" | "address" | "summary" | "cover_letter" | "resume";

/** A position of a company. */
export interface FakeBreezyPosition {
  _id: string;
  companyId: string;
  name: string;
  state: "published" | "draft" | "archived" | "closed" | "pending";
  /**
   * Fields the application form requires: an `applied` candidate missing one gets 202
   * `partialCandidateCreated` and is not created (Breezy emails them instead).
   */
  requiredFields?: readonly FakeBreezyRequiredField[];
}

/** Options of {@link BreezyhrFake}. */
export interface BreezyhrFakeOptions {
  /** The user that can sign in. @default "recruiter@breezy-sandbox.example" */
  email?: string;
  /** @default "bz-pass-sbx-6f1e" */
  password?: string;
  /** A personal access token it accepts as is. @default "breezy_pat_bz-token-sbx-9a4c" */
  accessToken?: string;
  /** Companies the user belongs to. @default one company, "Sandbox Robotics" */
  companies?: readonly FakeBreezyCompany[];
  /** Positions. @default a published position, a second one, and one whose form requires a phone and a cover letter */
  positions?: readonly FakeBreezyPosition[];
  /**
   * Status of an `invalidAccessToken` refusal: the docs say 401, a live probe saw 400. `"alternate"`
   * answers 400, then 401, then 400...
   * @default "alternate"
   */
  invalidTokenStatus?: 400 | 401 | "alternate";
  /** Requests allowed per token per minute. @default 100 */
  requestsPerMinute?: number;
  /** Mount name. @default "breezyhr" */
  name?: string;
}

/** The CV a candidate holds. */
export interface FakeBreezyResume {
  fileName: string;
  contentType: string;
  size: number;
  bytes: Uint8Array;
  /** The multipart part it came in (`file` or `data`). */
  field: string;
}

/** A candidate as the fake stores it (one record per position, like Breezy). */
export interface FakeBreezyCandidate {
  _id: string;
  companyId: string;
  positionId: string;
  /** Writable fields as received (create, then updates). */
  fields: Record<string, unknown>;
  workHistory: Record<string, unknown>[];
  education: Record<string, unknown>[];
  resume: FakeBreezyResume | undefined;
  creationDate: string;
  updatedDate: string;
}

/** The session-token prefix of this fake (registered as a secret by the tests' leak harness). */
export const BREEZY_FAKE_SESSION_PREFIX = "bz-session-sbx-";

/** The networks Breezy documents for `social_profiles` (unknown keys are refused). */
const SOCIAL_KEYS = [
  "facebook",
  "linkedin",
  "twitter",
  "dribbble",
  "instagram",
  "behance",
  "angellist",
  "flickr",
  "github",
  "youtube",
  "google-plus",
  "skype",
  "globe",
];
const CREATE_KEYS = [
  "name",
  "email_address",
  "phone_number",
  "address",
  "summary",
  // In the PUT schema and the doc samples, not in the POST schema: Breezy takes the key on a create but keeps
  // nothing of it (the fake drops it), so only an update sets a headline.
  "headline",
  "origin",
  "source",
  "tags",
  "cover_letter",
  "work_history",
  "education",
  "social_profiles",
  "custom_attributes",
];
const UPDATE_KEYS = [
  "name",
  "email_address",
  "phone_number",
  "summary",
  "tags",
  "source",
  "headline",
  "address",
  "social_profiles",
  "cover_letter",
];
const WORK_KEYS = ["company_name", "title", "summary", "start_month", "start_year", "end_month", "end_year"];
// `degree` shows on GET output; whether input takes it is unknown, so it is accepted.
const EDUCATION_KEYS = ["school_name", "field_of_study", "degree", "start_year", "end_year"];
const PLACEHOLDERS = /^(undefined|null|none|n\/a|xxxxx*|unknown|-)$/i;

const error = (status: number, type: string, message: string): FakeResponse => ({
  status,
  body: { error: { type, message } },
});

const emailKey = (value: unknown): string => (typeof value === "string" ? value.trim().toLowerCase() : "");

/**
 * Fake Breezy HR API v3: JSON (or form) sign-in with session tokens sent raw in `Authorization`, personal
 * access tokens, Breezy's error envelope (`missingAccessToken`, `invalidAccessToken` as 401 or 400),
 * 100 requests per minute per token, companies and positions, candidates kept per position with an
 * exact email search across positions, strict body validation (documented `social_profiles` networks,
 * integer years and months, required `name` / `company_name` / `school_name`), 409 on a duplicate, 202
 * `partialCandidateCreated` for applied candidates missing required form fields, PUT updates, appended
 * work-history and education entries, and multipart resume uploads (part `file` or `data`, 204).
 */
export class BreezyhrFake extends FakeServer {
  readonly email: string;
  readonly password: string;
  readonly accessToken: string;
  readonly companies: FakeBreezyCompany[];
  readonly positions: FakeBreezyPosition[];
  readonly candidates = new Map<string, FakeBreezyCandidate>();
  /** Applied candidates Breezy emailed to complete the form (202), by position. */
  readonly partials: { positionId: string; email: string }[] = [];
  /** Successful sign-ins so far. */
  signIns = 0;
  readonly #sessions = new Set<string>();
  readonly #counters = new Map<string, WindowCounter>();
  readonly #invalidTokenStatus: 400 | 401 | "alternate";
  readonly #requestsPerMinute: number;
  #refusals = 0;

  constructor(options: BreezyhrFakeOptions = {}) {
    super(options.name ?? "breezyhr");
    this.email = options.email ?? "recruiter@breezy-sandbox.example";
    this.password = options.password ?? "bz-pass-sbx-6f1e";
    this.accessToken = options.accessToken ?? "breezy_pat_bz-token-sbx-9a4c";
    this.companies = [...(options.companies ?? [{ _id: "5f0c1e2d3a4b", name: "Sandbox Robotics" }])];
    const companyId = this.companies[0]?._id ?? "";
    this.positions = [
      ...(options.positions ?? [
        { _id: "a1b2c3d4e5f6", companyId, name: "Data Engineer", state: "published" },
        { _id: "b2c3d4e5f6a1", companyId, name: "Product Designer", state: "published" },
        {
          _id: "c3d4e5f6a1b2",
          companyId,
          name: "Field Technician",
          state: "published",
          requiredFields: ["phone_number", "cover_letter"],
        },
      ]),
    ];
    this.#invalidTokenStatus = options.invalidTokenStatus ?? "alternate";
    this.#requestsPerMinute = options.requestsPerMinute ?? 100;

    this.route("POST", "/signin", (req) => this.#signIn(req));
    this.route("GET", "/signout", (req) =>
      this.#auth(req, () => {
        this.#sessions.delete(req.headers["authorization"] ?? "");
        return { status: 204 };
      }),
    );
    this.route("GET", "/companies", (req) =>
      this.#auth(req, () => ({ status: 200, body: this.companies.map((c) => this.#company(c)) })),
    );
    this.route("GET", "/company/:c/positions", (req) =>
      this.#auth(req, () => this.#inCompany(req, () => this.#listPositions(req))),
    );
    this.route("GET", "/company/:c/candidates/search", (req) =>
      this.#auth(req, () => this.#inCompany(req, () => this.#search(req))),
    );
    this.route("GET", "/company/:c/position/:p/candidates", (req) =>
      this.#auth(req, () => this.#onPosition(req, (p) => this.#list(req, p))),
    );
    this.route("POST", "/company/:c/position/:p/candidates", (req) =>
      this.#auth(req, () => this.#onPosition(req, (p) => this.#create(req, p))),
    );
    this.route("GET", "/company/:c/position/:p/candidate/:id", (req) =>
      this.#auth(req, () => this.#withCandidate(req, (c) => ({ status: 200, body: this.details(c) }))),
    );
    this.route("PUT", "/company/:c/position/:p/candidate/:id", (req) =>
      this.#auth(req, () => this.#withCandidate(req, (c) => this.#update(req, c))),
    );
    this.route("PUT", "/company/:c/position/:p/candidate/:id/work-history", (req) =>
      this.#auth(req, () => this.#withCandidate(req, (c) => this.#addEntry(req, c, "work-history"))),
    );
    this.route("PUT", "/company/:c/position/:p/candidate/:id/education", (req) =>
      this.#auth(req, () => this.#withCandidate(req, (c) => this.#addEntry(req, c, "education"))),
    );
    this.route("POST", "/company/:c/position/:p/candidate/:id/resume", (req) =>
      this.#auth(req, () => this.#withCandidate(req, (c) => this.#resume(req, c))),
    );
  }

  /** Makes every session token issued so far invalid (the personal access token stays valid). */
  expireTokens(): void {
    this.#sessions.clear();
  }

  /** Candidates with this email (case-insensitive), on any position. */
  findByEmail(email: string): FakeBreezyCandidate[] {
    return [...this.candidates.values()].filter(
      (c) => emailKey(c.fields["email_address"]) === emailKey(email),
    );
  }

  /** The Candidate object as Breezy returns it (`social_profiles` as a list, dates as objects). */
  details(c: FakeBreezyCandidate): Record<string, unknown> {
    const f = c.fields;
    const date = (year: unknown, month: unknown): Record<string, unknown> | null =>
      typeof year === "number" ? { year, month: typeof month === "number" ? month : null, day: null } : null;
    const social = isRecord(f["social_profiles"]) ? f["social_profiles"] : {};
    const name = typeof f["name"] === "string" ? f["name"] : "";
    return {
      _id: c._id,
      meta_id: `meta-${c._id}`,
      name,
      initial: name.slice(0, 1).toUpperCase(),
      email_address: f["email_address"] ?? null,
      phone_number: f["phone_number"] ?? null,
      address: f["address"] ?? null,
      headline: f["headline"] ?? null,
      summary: f["summary"] ?? null,
      origin: f["origin"] ?? "sourced",
      source: { id: "custom", name: f["source"] ?? "Breezy API", type: "custom" },
      sourced_by: null,
      stage: { id: "applied", name: "Applied", type: { id: "applied", name: "Applied", icon: "inbox" } },
      tags: Array.isArray(f["tags"]) ? f["tags"] : [],
      overall_score: { average_score: null },
      profile_photo_url: null,
      resume: c.resume
        ? {
            file_name: c.resume.fileName,
            url: `${this.url}/resumes/${c._id}`,
            pdf_url: `${this.url}/resumes/${c._id}.pdf`,
          }
        : null,
      social_profiles: Object.entries(social).map(([type, url]) => ({ type, url })),
      work_history: c.workHistory.map((w) => ({
        company_name: w["company_name"],
        title: w["title"] ?? null,
        summary: w["summary"] ?? null,
        start_date: date(w["start_year"], w["start_month"]),
        end_date: date(w["end_year"], w["end_month"]),
      })),
      education: c.education.map((e) => ({
        school_name: e["school_name"],
        degree: e["degree"] ?? null,
        field_of_study: e["field_of_study"] ?? null,
        start_date: date(e["start_year"], undefined),
        end_date: date(e["end_year"], undefined),
      })),
      creation_date: c.creationDate,
      updated_date: c.updatedDate,
    };
  }

  #company(c: FakeBreezyCompany): Record<string, unknown> {
    return { _id: c._id, name: c.name, friendly_id: c.name.toLowerCase().replace(/\W+/g, "-") };
  }

  #position(p: FakeBreezyPosition): Record<string, unknown> {
    return {
      _id: p._id,
      name: p.name,
      state: p.state,
      friendly_id: p.name.toLowerCase().replace(/\W+/g, "-"),
      org_type: "position",
      type: { id: "fullTime", name: "Full-Time" },
    };
  }

  #signIn(req: FakeRequest): FakeResponse {
    // JSON is documented; form-encoded is seen in the wild and works too.
    const body = isRecord(req.body) ? req.body : {};
    const email = typeof body["email"] === "string" ? body["email"].trim() : "";
    const password = typeof body["password"] === "string" ? body["password"] : "";
    if (email === "") return error(400, "signinEmailError", "email is null or empty");
    if (password === "") return error(400, "signinPasswordError", "password is null or empty");
    if (email.toLowerCase() !== this.email.toLowerCase() || password !== this.password)
      return error(401, "signinFailure", "email or password incorrect.");
    const token = `${BREEZY_FAKE_SESSION_PREFIX}${randomUUID()}`;
    this.#sessions.add(token);
    this.signIns += 1;
    return {
      status: 200,
      body: {
        access_token: token,
        user: { _id: "u5er0000001", email_address: this.email, name: "Sandbox Recruiter" },
      },
    };
  }

  /**
   * Breezy's documented limit as a sliding window: 100 requests per minute per access token (on top of the
   * fixed-window counter this fake always keeps), answered with 429 `rateLimitExceeded` and no
   * `Retry-After` (none is documented). Overrides replace single figures.
   */
  enforceVendorLimits(overrides: Partial<FakeLimits> = {}): this {
    return this.limit({
      requests: this.#requestsPerMinute,
      perMs: 60_000,
      retryAfter: false,
      credential: (req) => req.headers["authorization"] ?? "(none)",
      refusal: () => error(429, "rateLimitExceeded", "too many requests"),
      ...overrides,
    });
  }

  #refuse(): FakeResponse {
    let status: number;
    if (this.#invalidTokenStatus === "alternate") status = this.#refusals % 2 === 0 ? 400 : 401;
    else status = this.#invalidTokenStatus;
    this.#refusals += 1;
    return error(status, "invalidAccessToken", "access token is invalid");
  }

  async #auth(req: FakeRequest, handle: () => FakeResponse | Promise<FakeResponse>): Promise<FakeResponse> {
    const token = req.headers["authorization"];
    if (token === undefined || token.trim() === "")
      return error(400, "missingAccessToken", "access token is null or empty");
    // The raw token only: `Bearer <token>` is not what Breezy documents.
    if (token !== this.accessToken && !this.#sessions.has(token)) return this.#refuse();
    let counter = this.#counters.get(token);
    if (!counter) {
      counter = new WindowCounter(this.#requestsPerMinute, 60_000);
      this.#counters.set(token, counter);
    }
    const quota = counter.hit();
    if (quota.over)
      return { ...error(429, "rateLimitExceeded", "too many requests"), headers: quota.headers };
    const response = await handle();
    return { ...response, headers: { ...quota.headers, ...response.headers } };
  }

  #inCompany(req: FakeRequest, handle: () => FakeResponse): FakeResponse {
    if (!this.companies.some((c) => c._id === req.params["c"]))
      return error(404, "companyNotFound", "company not found.");
    return handle();
  }

  #onPosition(req: FakeRequest, handle: (p: FakeBreezyPosition) => FakeResponse): FakeResponse {
    return this.#inCompany(req, () => {
      const position = this.positions.find(
        (p) => p._id === req.params["p"] && p.companyId === req.params["c"],
      );
      return position ? handle(position) : error(404, "positionNotFound", "position not found.");
    });
  }

  #withCandidate(req: FakeRequest, handle: (c: FakeBreezyCandidate) => FakeResponse): FakeResponse {
    return this.#onPosition(req, (p) => {
      const candidate = this.candidates.get(req.params["id"] ?? "");
      if (!candidate || candidate.positionId !== p._id)
        return error(404, "candidateNotFound", "candidate not found.");
      return handle(candidate);
    });
  }

  #listPositions(req: FakeRequest): FakeResponse {
    const state = req.query.get("state") ?? "published";
    return {
      status: 200,
      body: this.positions
        .filter((p) => p.companyId === req.params["c"] && p.state === state)
        .map((p) => this.#position(p)),
    };
  }

  #search(req: FakeRequest): FakeResponse {
    const email = req.query.get("email_address")?.trim();
    if (!email) return error(400, "searchCompanyCandidatesMissingEmail", "email_address is null or empty");
    const hits = this.findByEmail(email).filter((c) => c.companyId === req.params["c"]);
    return {
      status: 200,
      body: hits.map((c) => {
        const position = this.positions.find((p) => p._id === c.positionId);
        return {
          _id: c._id,
          meta_id: `meta-${c._id}`,
          name: c.fields["name"],
          email_address: c.fields["email_address"],
          creation_date: c.creationDate,
          position: position ? this.#position(position) : { _id: c.positionId },
        };
      }),
    };
  }

  #list(req: FakeRequest, position: FakeBreezyPosition): FakeResponse {
    // The docs say `page_size`, other clients `pageSize`: both accepted. Without one, everything comes back.
    const sizeText = req.query.get("page_size") ?? req.query.get("pageSize");
    const all = [...this.candidates.values()].filter((c) => c.positionId === position._id);
    let page = all;
    if (sizeText !== null) {
      const size = Number(sizeText);
      const number = Number(req.query.get("page") ?? "1");
      if (!Number.isInteger(size) || size < 1 || size > 50 || !Number.isInteger(number) || number < 1)
        return error(400, "invalidPagination", "page_size must be 1..50 and page >= 1");
      page = all.slice((number - 1) * size, number * size);
    }
    return {
      status: 200,
      body: page.map((c) => ({
        _id: c._id,
        meta_id: `meta-${c._id}`,
        name: c.fields["name"],
        email_address: c.fields["email_address"] ?? null,
        phone_number: c.fields["phone_number"] ?? null,
        headline: c.fields["headline"] ?? null,
        origin: c.fields["origin"] ?? "sourced",
        resume: c.resume ? { file_name: c.resume.fileName } : null,
        tags: c.fields["tags"] ?? [],
        creation_date: c.creationDate,
        updated_date: c.updatedDate,
      })),
    };
  }

  #text(check: BodyChecker, body: Record<string, unknown>, key: string, prefix = "", required = false): void {
    check.string(body, key, { required, prefix });
    const value = body[key];
    if (typeof value === "string" && PLACEHOLDERS.test(value.trim()))
      check.add(`${prefix}${key}`, `is a placeholder ("${value}"), not a value`);
  }

  #yearMonth(
    check: BodyChecker,
    entry: Record<string, unknown>,
    part: "start" | "end",
    prefix: string,
    months: boolean,
  ): void {
    check.integer(entry, `${part}_year`, { min: 1900, max: 2100, prefix });
    if (!months) return;
    check.integer(entry, `${part}_month`, { min: 1, max: 12, prefix });
    if (entry[`${part}_month`] !== undefined && entry[`${part}_year`] === undefined)
      check.add(`${prefix}${part}_month`, `is given without ${part}_year`);
  }

  /** One work-history entry (inside `work_history[]` or the body of PUT .../work-history). */
  #checkWork(check: BodyChecker, entry: unknown, prefix: string): void {
    if (!isRecord(entry)) {
      check.add(prefix || "(body)", "must be an object");
      return;
    }
    check.onlyKeys(entry, WORK_KEYS, prefix);
    this.#text(check, entry, "company_name", prefix, true);
    this.#text(check, entry, "title", prefix);
    this.#text(check, entry, "summary", prefix);
    this.#yearMonth(check, entry, "start", prefix, true);
    this.#yearMonth(check, entry, "end", prefix, true);
  }

  /** One education entry (years only, as documented). */
  #checkEducation(check: BodyChecker, entry: unknown, prefix: string): void {
    if (!isRecord(entry)) {
      check.add(prefix || "(body)", "must be an object");
      return;
    }
    check.onlyKeys(entry, EDUCATION_KEYS, prefix);
    this.#text(check, entry, "school_name", prefix, true);
    this.#text(check, entry, "field_of_study", prefix);
    this.#text(check, entry, "degree", prefix);
    this.#yearMonth(check, entry, "start", prefix, false);
    this.#yearMonth(check, entry, "end", prefix, false);
  }

  #checkCandidate(body: Record<string, unknown>, mode: "create" | "update"): BodyChecker {
    const check = new BodyChecker();
    check.onlyKeys(body, mode === "create" ? CREATE_KEYS : UPDATE_KEYS);
    for (const key of ["name", "phone_number", "address", "summary", "headline", "source", "cover_letter"])
      this.#text(check, body, key);
    check.string(body, "email_address", { pattern: EMAIL });
    if (body["origin"] !== undefined && body["origin"] !== "sourced" && body["origin"] !== "applied")
      check.add("origin", 'must be "sourced" or "applied"');
    if (body["tags"] !== undefined) {
      const tags = body["tags"];
      if (!Array.isArray(tags)) check.add("tags", "must be a list of strings");
      else
        tags.forEach((t, i) => {
          if (typeof t !== "string" || t.trim() === "") check.add(`tags[${i}]`, "must be a non-empty string");
        });
    }
    if (body["social_profiles"] !== undefined) {
      const social = body["social_profiles"];
      // A map network -> URL. A list of one-key objects (what HrFlow's v2 mapping built) is refused.
      if (!isRecord(social)) check.add("social_profiles", "must be an object keyed by network");
      else {
        check.onlyKeys(social, SOCIAL_KEYS, "social_profiles.");
        for (const key of Object.keys(social)) check.url(social, key, "social_profiles.");
      }
    }
    const entries = (key: string, each: (entry: unknown, prefix: string) => void): void => {
      const list = body[key];
      if (list === undefined) return;
      if (!Array.isArray(list)) check.add(key, "must be a list");
      else
        list.forEach((entry, i) => {
          each(entry, `${key}[${i}].`);
        });
    };
    entries("work_history", (entry, prefix) => {
      this.#checkWork(check, entry, prefix);
    });
    entries("education", (entry, prefix) => {
      this.#checkEducation(check, entry, prefix);
    });
    if (body["custom_attributes"] !== undefined) {
      const attrs = body["custom_attributes"];
      if (!Array.isArray(attrs)) check.add("custom_attributes", "must be a list");
      else
        attrs.forEach((a, i) => {
          const prefix = `custom_attributes[${i}].`;
          if (!isRecord(a)) {
            check.add(`custom_attributes[${i}]`, "must be an object");
            return;
          }
          check.onlyKeys(a, ["name", "value", "secure"], prefix);
          check.string(a, "name", { required: true, prefix });
          if (typeof a["value"] !== "string") check.add(`${prefix}value`, "must be a string");
          check.boolean(a, "secure", prefix);
        });
    }
    return check;
  }

  #invalid(check: BodyChecker): FakeResponse {
    return error(400, "invalidRequestBody", check.problems.map((p) => `${p.field}: ${p.message}`).join("; "));
  }

  #create(req: FakeRequest, position: FakeBreezyPosition): FakeResponse {
    if (!req.contentType.startsWith("application/json") || !isRecord(req.body))
      return error(400, "invalidRequestBody", "expected a JSON object");
    const stageActions = req.query.get("stage_actions_enabled");
    if (stageActions !== null && stageActions !== "true" && stageActions !== "false")
      return error(400, "invalidRequestBody", "stage_actions_enabled must be true or false");
    const body = req.body;
    if (typeof body["name"] !== "string" || body["name"].trim() === "")
      return error(400, "addCandidateMissingName", "name is null or empty");
    const check = this.#checkCandidate(body, "create");
    const applied = body["origin"] === "applied";
    if (applied && body["email_address"] === undefined)
      check.add("email_address", "is required when origin is applied");
    if (check.problems.length > 0) return this.#invalid(check);

    const email = emailKey(body["email_address"]);
    if (email !== "" && this.findByEmail(email).some((c) => c.positionId === position._id))
      return error(409, "addCandidateDuplicate", "this candidate already exists on this position.");
    if (applied && position.state !== "published")
      return error(412, "positionNotPublished", "candidates can only apply to a published position.");
    const missing = (position.requiredFields ?? []).filter(
      (field) => field === "resume" || body[field] === undefined,
    );
    if (applied && missing.length > 0) {
      this.partials.push({ positionId: position._id, email });
      return error(
        202,
        "partialCandidateCreated",
        `candidate was emailed to complete missing required fields: ${missing.join(", ")}`,
      );
    }

    const now = new Date().toISOString();
    const fields: Record<string, unknown> = { ...body };
    delete fields["work_history"];
    delete fields["education"];
    // Not a field of the create request: ignored, as Breezy does.
    delete fields["headline"];
    const candidate: FakeBreezyCandidate = {
      _id: randomBytes(6).toString("hex"),
      companyId: position.companyId,
      positionId: position._id,
      fields,
      workHistory: Array.isArray(body["work_history"]) ? body["work_history"].filter(isRecord) : [],
      education: Array.isArray(body["education"]) ? body["education"].filter(isRecord) : [],
      resume: undefined,
      creationDate: now,
      updatedDate: now,
    };
    this.candidates.set(candidate._id, candidate);
    return { status: 200, body: this.details(candidate) };
  }

  #update(req: FakeRequest, candidate: FakeBreezyCandidate): FakeResponse {
    if (!isRecord(req.body)) return error(400, "invalidRequestBody", "expected a JSON object");
    const check = this.#checkCandidate(req.body, "update");
    if (check.problems.length > 0) return this.#invalid(check);
    Object.assign(candidate.fields, req.body);
    candidate.updatedDate = new Date().toISOString();
    return { status: 200, body: this.details(candidate) };
  }

  #addEntry(
    req: FakeRequest,
    candidate: FakeBreezyCandidate,
    kind: "work-history" | "education",
  ): FakeResponse {
    const check = new BodyChecker();
    if (kind === "work-history") this.#checkWork(check, req.body, "");
    else this.#checkEducation(check, req.body, "");
    if (check.problems.length > 0 || !isRecord(req.body)) return this.#invalid(check);
    (kind === "work-history" ? candidate.workHistory : candidate.education).push(req.body);
    candidate.updatedDate = new Date().toISOString();
    return { status: 200, body: this.details(candidate) };
  }

  #resume(req: FakeRequest, candidate: FakeBreezyCandidate): FakeResponse {
    if (!req.contentType.startsWith("multipart/form-data") || !isRecord(req.body))
      return error(400, "uploadResumeError", "expected multipart/form-data");
    // The schema names the part `file`, the doc's curl sample `data`: both accepted.
    const field = isReceivedFile(req.body["file"])
      ? "file"
      : isReceivedFile(req.body["data"])
        ? "data"
        : undefined;
    const file = field === undefined ? undefined : req.body[field];
    if (field === undefined || !isReceivedFile(file))
      return error(400, "uploadResumeError", "a file part named file (or data) is required");
    if (file.size === 0) return error(400, "uploadResumeError", "the file is empty");
    candidate.resume = {
      fileName: file.fileName,
      contentType: file.contentType,
      size: file.size,
      bytes: file.bytes,
      field,
    };
    candidate.updatedDate = new Date().toISOString();
    return { status: 204 };
  }
}

/** The Breezy HR part of the sandbox (email and password sign-in against the fake). */
export function createBreezyhrSandbox(fake = new BreezyhrFake()): SandboxVendor {
  const company = fake.companies[0];
  const positionId = fake.positions.find((p) => p.companyId === company?._id)?._id ?? "";
  const companyName = company?.name ?? "";
  const signInUrl = (): string => `${fake.url}/signin`;
  return {
    connector: "breezyhr",
    fakes: [fake],
    env: () => ({
      BREEZYHR_EMAIL: fake.email,
      BREEZYHR_PASSWORD: fake.password,
      BREEZYHR_SIGNIN_URL: signInUrl(),
    }),
    auth: () =>
      new OAuth2EmailPasswordBody({
        accessTokenUrl: signInUrl(),
        email: fake.email,
        password: fake.password,
      }),
    options: () => ({ baseUrl: fake.url, positionId, companyName }),
    cliFlags: () => ["--base-url", fake.url, "--position-id", positionId, "--company-name", companyName],
    faults: {
      create: { fake, method: "POST", path: /^\/company\/[^/]+\/position\/[^/]+\/candidates$/ },
      cvUpload: {
        fake,
        method: "POST",
        path: /^\/company\/[^/]+\/position\/[^/]+\/candidate\/[^/]+\/resume$/,
      },
    },
    expireTokens: () => {
      fake.expireTokens();
    },
    otherSecrets: () => [fake.accessToken],
    candidates: () =>
      [...fake.candidates.values()].map((c) => ({
        vendorId: c._id,
        name: typeof c.fields["name"] === "string" ? c.fields["name"] : "",
        email: typeof c.fields["email_address"] === "string" ? c.fields["email_address"] : undefined,
        cv: c.resume?.fileName,
        details: `${c.workHistory.length} work history, ${c.education.length} education, ${Array.isArray(c.fields["tags"]) ? c.fields["tags"].length : 0} tags, position ${fake.positions.find((p) => p._id === c.positionId)?.name ?? c.positionId}`,
      })),
  };
}
