import { z } from "zod";
import { defineConnector } from "../../src/connectors/connector.js";
import { ConfigError } from "../../src/core/errors.js";
import { XAPIKeyAuth } from "../../src/core/auth/static.js";
import { profileEmail, requiredName } from "../../src/hrflow/fields.js";
import { FakeServer } from "../../src/testing/fake-server.js";
import type { SandboxVendor } from "../../src/testing/sandbox.js";

/**
 * A test-only connector, the smallest a new one can be: a definition (options, payload, mapping, plan), an
 * auth adapter read from the environment, and a fake. Nothing else in the project names it: registering it
 * in one line (a registry array that includes it) must make it appear in the CLI, the docs, the sandbox
 * and the leak harness.
 */

const TOY_KEY = "toy-key-sbx-51c7a2";

const ToyCandidateSchema = z.strictObject({
  name: z.string().min(1),
  email: z.email().optional(),
  board: z.string().min(1),
});
type ToyCandidate = z.infer<typeof ToyCandidateSchema>;

const ToyOptionsSchema = z.object({
  boardId: z.string().trim().min(1).describe("Id of the toy board the candidate lands on, e.g. `b-1`."),
});

/** The toy vendor's fake: `POST /candidates`, `GET /candidates?email=`, `GET /candidates/:id`. */
export class ToyFake extends FakeServer {
  readonly candidates = new Map<string, ToyCandidate>();
  #next = 1;

  constructor() {
    super("toy");
    const authorized = (headers: Record<string, string>): boolean => headers["x-api-key"] === TOY_KEY;
    this.route("POST", "/candidates", (req) => {
      if (!authorized(req.headers)) return { status: 401, body: { message: "bad key" } };
      const parsed = ToyCandidateSchema.safeParse(req.body);
      if (!parsed.success) return { status: 400, body: { message: parsed.error.message } };
      const id = `toy-${this.#next++}`;
      this.candidates.set(id, parsed.data);
      return { status: 201, body: { id } };
    });
    this.route("GET", "/candidates", (req) => {
      if (!authorized(req.headers)) return { status: 401, body: { message: "bad key" } };
      const email = req.query.get("email");
      const hits = [...this.candidates].filter(([, c]) => email !== null && c.email === email);
      return { status: 200, body: hits.map(([id]) => ({ id })) };
    });
    this.route("GET", "/candidates/:id", (req) => {
      const candidate = this.candidates.get(req.params["id"] ?? "");
      return candidate ? { status: 200, body: { id: req.params["id"] } } : { status: 404 };
    });
  }
}

function toySandbox(): SandboxVendor {
  const fake = new ToyFake();
  return {
    connector: "toy",
    fakes: [fake],
    env: () => ({ TOY_API_KEY: TOY_KEY }),
    auth: () => new XAPIKeyAuth({ value: TOY_KEY }),
    options: () => ({ baseUrl: fake.url, boardId: "b-1" }),
    cliFlags: () => ["--base-url", fake.url, "--board-id", "b-1"],
    faults: { create: { fake, method: "POST", path: /^\/candidates$/ } },
    candidates: () =>
      [...fake.candidates].map(([id, c]) => ({
        vendorId: id,
        name: c.name,
        email: c.email,
        cv: undefined,
        details: `board ${c.board}`,
      })),
  };
}

const Found = z.array(z.object({ id: z.string() }));
const Created = z.object({ id: z.string() });

/** The toy connector. */
export const Toy = defineConnector<typeof ToyOptionsSchema, ToyCandidate>({
  name: "toy",
  displayName: "Toy ATS",
  exportName: "Toy",
  description: "A test-only connector: creates the candidate on a board, found again by email.",
  docsUrl: "https://toy.example/docs",
  defaultBaseUrl: "https://api.toy.example",
  auth: {
    classes: ["XAPIKeyAuth"],
    accepts: (auth) => auth instanceof XAPIKeyAuth,
    env: [{ name: "TOY_API_KEY", description: "Toy API key (X-API-KEY)", required: true, secret: true }],
    fromEnv: (env) => {
      const value = env["TOY_API_KEY"];
      if (!value) throw new ConfigError([{ path: "TOY_API_KEY", message: "is not set" }]);
      return new XAPIKeyAuth({ value });
    },
    hint: "Check TOY_API_KEY",
  },
  optionsSchema: ToyOptionsSchema,
  payloadSchema: ToyCandidateSchema,
  endpoints: [
    {
      name: "Create candidate",
      method: "POST",
      url: "https://api.toy.example/candidates",
      docs: "https://toy.example/docs#create",
    },
  ],
  fieldMapping: [{ vendorField: "name", profileField: "info.full_name", rule: "required" }],
  rateLimit: { requests: 50, perMs: 1000, concurrency: 4 },
  cvMode: "none",
  map: (profile, options) => {
    const name = requiredName(profile, "Toy ATS");
    const email = profileEmail(profile);
    return { name: `${name.first} ${name.last}`, ...(email ? { email } : {}), board: options.boardId };
  },
  plan: (ctx) => ({
    candidate: {
      read: (id) =>
        ctx.http.find({
          operation: "get candidate",
          method: "GET",
          path: `/candidates/${id}`,
          response: Created,
        }),
      ...(ctx.payload.email
        ? {
            find: async () => {
              const { data } = await ctx.http.request({
                operation: "search candidates",
                method: "GET",
                path: "/candidates",
                query: { email: ctx.payload.email },
                response: Found,
                dryRun: { response: [] },
              });
              return data[0] ? { id: data[0].id, how: "matched by email" } : undefined;
            },
          }
        : {}),
      create: async () => {
        const { data } = await ctx.http.request({
          operation: "create candidate",
          method: "POST",
          path: "/candidates",
          body: { json: ctx.payload },
          response: Created,
          dryRun: { response: { id: "<new id>" } },
        });
        return { created: { id: data.id } };
      },
    },
    steps: () => [],
  }),
  examples: {
    library: 'await Toy.pushProfile({ hrflowClient, auth, profile, boardId: "b-1" });',
    cli: "npx hrflow-connectors push-profile toy --source-key S --profile-key K --board-id b-1",
  },
  sandbox: () => Promise.resolve(toySandbox()),
});
