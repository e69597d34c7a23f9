import type { z } from "zod";

/** HTTP methods used by the connectors. */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** A file part of a multipart body. */
export interface MultipartFile {
  fileName: string;
  contentType: string;
  bytes: Uint8Array;
}

/** A request body. */
export type RequestBody =
  | { json: unknown }
  | { form: Readonly<Record<string, string>> }
  | { multipart: Readonly<Record<string, string | MultipartFile>> };

/** Query values; arrays repeat the parameter, `undefined` drops it. */
export type QueryValue = string | number | boolean | undefined | readonly (string | number)[];

/** Everything the HTTP layer needs to send one request and read its answer. */
export interface RequestSpec<T> {
  /** Short human name used in logs and errors, e.g. "create candidate". */
  operation: string;
  method: HttpMethod;
  /** Path relative to the client's base URL (`/candidates`), or an absolute URL. */
  path: string;
  query?: Readonly<Record<string, QueryValue>>;
  headers?: Readonly<Record<string, string>>;
  body?: RequestBody;
  /** Schema of a successful answer's body. Without it the body is returned as `unknown`-typed `T`. */
  response?: z.ZodType<T>;
  /** Statuses that count as success. @default any 2xx */
  expect?: readonly number[];
  /**
   * True when repeating the request cannot create a second record.
   * @default true for GET, PUT and DELETE; false for POST and PATCH
   */
  idempotent?: boolean;
  /** True when the request only reads (a search sent as POST): a dry run that reads the vendor sends it. @default true for GET */
  readOnly?: boolean;
  /**
   * The path holds an id the user gave (a job, a position): a 404 then means that option is wrong, and is
   * raised as a ConfigError naming it instead of an HttpError.
   */
  notFound?: { option: string; what: string };
  /** Rate-limit lane (e.g. `"search"`), for vendors that limit some endpoints more tightly. */
  lane?: string;
  /** Send the credentials. @default true */
  authenticate?: boolean;
  /** Count the request against the vendor's rate limit. @default true */
  rateLimited?: boolean;
  /** The answer a dry run pretends to get (dry runs send nothing). Required for requests whose answer is used. */
  dryRun?: { response: T };
}

/** A successful answer. */
export interface HttpResponse<T> {
  status: number;
  headers: Headers;
  data: T;
  /** Raw text of the body (for vendors whose answers carry no JSON). */
  text: string;
}

/** A request as a dry run shows it: secrets masked, files and long base64 strings summarised. */
export interface PlannedRequest {
  operation: string;
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
}
