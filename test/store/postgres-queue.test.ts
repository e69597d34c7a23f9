import { afterAll, beforeAll } from "vitest";
import { createPostgresStore } from "../../src/core/store/postgres/store.js";
import { dropSchemas, freshSchemaName, requirePostgres, urlWithSchema } from "../support/postgres.js";
import { queueContract } from "./queue-contract.js";
import { runsContract } from "./runs-contract.js";

const schemas: string[] = [];
const fresh = (label: string): string => {
  const name = freshSchemaName(label);
  schemas.push(name, `${name}_queue`);
  return name;
};

beforeAll(async () => {
  await requirePostgres();
});
afterAll(async () => {
  await dropSchemas(...schemas);
});

// The contract moves time by hand: the store runs on the caller's clock (pg-boss's TestClock).
let queueSchema = "";
queueContract({
  name: "postgres (pg-boss)",
  open: () => {
    queueSchema = fresh("queue");
    return createPostgresStore({ connectionString: urlWithSchema(queueSchema), clock: "caller" });
  },
  reopen: () => createPostgresStore({ connectionString: urlWithSchema(queueSchema), clock: "caller" }),
});

let runsSchema = "";
runsContract({
  name: "postgres",
  open: () => {
    runsSchema = fresh("runs");
    return createPostgresStore({ connectionString: urlWithSchema(runsSchema) });
  },
  reopen: () => createPostgresStore({ connectionString: urlWithSchema(runsSchema) }),
});
