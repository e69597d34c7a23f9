import { FakeServer, type FakeRequest, type FakeResponse } from "./fake-server.js";
import { isRecord } from "./fake-helpers.js";
import { SAMPLE_SOURCE_KEY, sampleProfiles, type SampleCv, type SampleProfile } from "./profiles.js";

/** Options of {@link HrflowFake}. */
export interface HrflowFakeOptions {
  /** The secret it accepts in `X-API-KEY`. @default "hf-secret-sbx-3e7b" */
  apiSecret?: string;
  /** The email it accepts in `X-USER-EMAIL`. @default "sandbox@hrflow.example" */
  apiUser?: string;
  /** Mount name in a hub. @default "hrflow" */
  name?: string;
}

interface StoredFile {
  contentType: string;
  bytes: Uint8Array;
}

const envelope = (code: number, message: string, data?: unknown, meta?: unknown): FakeResponse => ({
  status: code,
  body: { code, message, ...(data === undefined ? {} : { data }), ...(meta === undefined ? {} : { meta }) },
});

/**
 * Fake HrFlow API v1: `GET /v1/profile/indexing`, `GET /v1/profiles/searching` (strict paging:
 * `maxPage = ceil(total/limit)`; `sort_by` `created_at` or `updated_at` with `order_by`; filters
 * `created_at_min`, `created_at_max` and `tags_included`), CV downloads under `/files/`. Checks `X-API-KEY`
 * and `X-USER-EMAIL`.
 */
export class HrflowFake extends FakeServer {
  readonly apiSecret: string;
  readonly apiUser: string;
  /** Profiles by source key, in insertion order. */
  readonly sources = new Map<string, Record<string, unknown>[]>();
  readonly #files = new Map<string, StoredFile>();

  constructor(options: HrflowFakeOptions = {}) {
    super(options.name ?? "hrflow");
    this.apiSecret = options.apiSecret ?? "hf-secret-sbx-3e7b";
    this.apiUser = options.apiUser ?? "sandbox@hrflow.example";
    this.route("GET", "/v1/profile/indexing", (req) => this.#guard(req, () => this.#getProfile(req)));
    this.route("GET", "/v1/profiles/searching", (req) => this.#guard(req, () => this.#search(req)));
    this.route("GET", "/files/:id", (req) => {
      const file = this.#files.get(req.params["id"] ?? "");
      return file
        ? { status: 200, raw: file.bytes, headers: { "content-type": file.contentType } }
        : { status: 404, raw: "Not Found" };
    });
  }

  /** The API base URL to give `new Hrflow({ baseUrl })`. */
  get baseUrl(): string {
    return `${this.url}/v1`;
  }

  /**
   * Stores a profile in a source. When a CV is given, it is served by this fake and the profile's
   * attachments point to it (the URL follows the fake's address, so mount or listen first).
   */
  addProfile(sourceKey: string, profile: Record<string, unknown>, cv?: SampleCv): Record<string, unknown> {
    const stored: Record<string, unknown> = structuredClone(profile);
    if (cv) {
      const id = `${typeof stored["key"] === "string" ? stored["key"] : "profile"}-${cv.type}`;
      this.#files.set(id, { contentType: cv.contentType, bytes: cv.bytes });
      const attachment = {
        type: cv.type,
        alt: cv.fileName,
        file_size: cv.bytes.byteLength,
        file_name: cv.fileName,
        original_file_name: cv.fileName,
        extension: `.${cv.fileName.split(".").pop() ?? "pdf"}`,
        public_url: `${this.url}/files/${id}`,
        created_at: "2026-10-02T09:15:00+0000",
        updated_at: "2026-10-02T09:15:00+0000",
      };
      const existing = Array.isArray(stored["attachments"]) ? (stored["attachments"] as unknown[]) : [];
      stored["attachments"] = [...existing, attachment];
    }
    const list = this.sources.get(sourceKey) ?? [];
    const index = list.findIndex((p) => p["key"] === stored["key"]);
    if (index === -1) list.push(stored);
    else list[index] = stored;
    this.sources.set(sourceKey, list);
    return stored;
  }

  /** Adds the bundled sample profiles to the sample source. Returns them. */
  seedSamples(samples: SampleProfile[] = sampleProfiles()): SampleProfile[] {
    for (const sample of samples) this.addProfile(SAMPLE_SOURCE_KEY, sample.profile, sample.cv);
    return samples;
  }

  #guard(req: FakeRequest, handle: () => FakeResponse): FakeResponse {
    if (req.headers["x-api-key"] !== this.apiSecret || req.headers["x-user-email"] !== this.apiUser) {
      return envelope(401, "Unauthorized: invalid X-API-KEY or X-USER-EMAIL");
    }
    return handle();
  }

  #getProfile(req: FakeRequest): FakeResponse {
    const sourceKey = req.query.get("source_key");
    const key = req.query.get("key");
    const reference = req.query.get("reference");
    if (!sourceKey || (!key && !reference))
      return envelope(400, "Invalid parameters: source_key and key or reference are required");
    const source = this.sources.get(sourceKey);
    if (!source) return envelope(400, "Invalid parameters. Unable to find object: source");
    const profile = source.find((p) => (key ? p["key"] === key : p["reference"] === reference));
    if (!profile) return envelope(404, "Unable to find object: profile");
    return envelope(200, "Profile retrieved", profile);
  }

  #search(req: FakeRequest): FakeResponse {
    let sourceKeys: unknown;
    try {
      sourceKeys = JSON.parse(req.query.get("source_keys") ?? "");
    } catch {
      return envelope(400, "Invalid parameters: source_keys must be a JSON list");
    }
    if (!Array.isArray(sourceKeys) || sourceKeys.some((k) => typeof k !== "string")) {
      return envelope(400, "Invalid parameters: source_keys must be a JSON list of keys");
    }
    const page = Number(req.query.get("page") ?? "1");
    const limit = Number(req.query.get("limit") ?? "30");
    if (!Number.isInteger(page) || page < 1 || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return envelope(400, "Invalid parameters: page and limit");
    }
    let all = (sourceKeys as string[]).flatMap((k) => this.sources.get(k) ?? []);
    const time = (profile: Record<string, unknown>, field: string): number => {
      const value = profile[field];
      return typeof value === "string" ? Date.parse(value) : Number.NaN;
    };
    const min = req.query.get("created_at_min");
    const max = req.query.get("created_at_max");
    if (min !== null) all = all.filter((p) => time(p, "created_at") >= Date.parse(min));
    if (max !== null) all = all.filter((p) => time(p, "created_at") <= Date.parse(max));
    const tagsText = req.query.get("tags_included");
    if (tagsText !== null) {
      let wanted: unknown;
      try {
        wanted = JSON.parse(tagsText);
      } catch {
        return envelope(400, "Invalid parameters: tags_included must be a JSON list");
      }
      if (!Array.isArray(wanted)) return envelope(400, "Invalid parameters: tags_included must be a list");
      const tags = wanted.filter(isRecord);
      all = all.filter((p) => {
        const held = Array.isArray(p["tags"]) ? p["tags"].filter(isRecord) : [];
        return tags.every((t) =>
          held.some(
            (h) => h["name"] === t["name"] && (t["value"] === undefined || h["value"] === t["value"]),
          ),
        );
      });
    }
    const sortBy = req.query.get("sort_by") ?? "created_at";
    if (sortBy === "created_at" || sortBy === "updated_at") {
      const direction = req.query.get("order_by") === "asc" ? 1 : -1;
      // Stable: profiles with the same time keep their insertion order.
      all = all
        .map((p, i) => ({ p, i, t: time(p, sortBy) || 0 }))
        .sort((a, b) => (a.t === b.t ? a.i - b.i : (a.t - b.t) * direction))
        .map((x) => x.p);
    }
    const profiles = all.slice((page - 1) * limit, page * limit);
    const maxPage = Math.max(1, Math.ceil(all.length / limit));
    return envelope(
      200,
      "Profiles retrieved",
      { profiles },
      { page, maxPage, count: profiles.length, total: all.length },
    );
  }
}
