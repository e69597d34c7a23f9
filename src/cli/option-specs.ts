import { z } from "zod";

/**
 * Reads a connector's vendor options schema (a zod object) into flag specifications: the CLI builds its
 * flags from them and the docs generator its parameter tables, so neither repeats what the schema says.
 */

/** One vendor option as a command-line flag. */
export interface OptionSpec {
  /** The option name in the library (camelCase): `positionId`. */
  key: string;
  /** The flag: `--position-id`. */
  flag: string;
  /** Human type: `string`, `number[]`, `"sourced" | "applied"`. */
  typeLabel: string;
  /** A flag without a value (`--x` / `--no-x`). */
  boolean: boolean;
  /** An array: the flag may be repeated (`--job-id 12 --job-id 13`). */
  repeatable: boolean;
  /** The schema refuses a missing value. */
  required: boolean;
  /** The default the schema applies, when it has one. */
  defaultValue: unknown;
  hasDefault: boolean;
  description: string;
  /** The schema of this option (values are checked with it). */
  schema: z.core.$ZodType;
}

/** `positionId` → `position-id`. */
export function toKebab(camel: string): string {
  return camel
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z])([A-Z][a-z])/g, "$1-$2")
    .replace(/_/g, "-")
    .toLowerCase();
}

/** `position-id` → `positionId`. */
export function toCamel(kebab: string): string {
  return kebab.replace(/[-_]+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Wrappers that only change presence, defaults or parsing; the value type is inside. */
function inner(schema: z.core.$ZodType): z.core.$ZodType | undefined {
  if (
    schema instanceof z.ZodOptional ||
    schema instanceof z.ZodNullable ||
    schema instanceof z.ZodDefault ||
    schema instanceof z.ZodPrefault ||
    schema instanceof z.ZodReadonly ||
    schema instanceof z.ZodCatch ||
    schema instanceof z.ZodNonOptional
  ) {
    return schema.def.innerType;
  }
  if (schema instanceof z.ZodPipe) {
    // z.preprocess(fn, T) is a pipe from a transform into T: the value type is T. A .transform() after a
    // type is a pipe from T into a transform: the input type is T.
    return schema.def.out instanceof z.ZodTransform ? schema.def.in : schema.def.out;
  }
  return undefined;
}

/** The schema with its wrappers removed. */
function unwrap(schema: z.core.$ZodType): z.core.$ZodType {
  let current = schema;
  for (let next = inner(current); next; next = inner(current)) current = next;
  return current;
}

function firstDescription(schema: z.core.$ZodType): string | undefined {
  for (let current: z.core.$ZodType | undefined = schema; current; current = inner(current)) {
    const description = z.globalRegistry.get(current)?.description;
    if (description) return description;
  }
  return undefined;
}

function findDefault(schema: z.core.$ZodType): { has: boolean; value: unknown } {
  for (let current: z.core.$ZodType | undefined = schema; current; current = inner(current)) {
    if (current instanceof z.ZodDefault || current instanceof z.ZodPrefault) {
      return { has: true, value: current.def.defaultValue };
    }
  }
  return { has: false, value: undefined };
}

/** The members of a union (flattened), or the schema itself. */
function members(schema: z.core.$ZodType): z.core.$ZodType[] {
  const base = unwrap(schema);
  if (base instanceof z.ZodUnion) return base.def.options.flatMap((o) => members(o));
  return [base];
}

/** A readable type name for docs and help. */
export function typeLabel(schema: z.core.$ZodType): string {
  const labels = members(schema).map((m): string => {
    if (m instanceof z.ZodString) return "string";
    if (m instanceof z.ZodNumber) return m.format?.includes("int") ? "integer" : "number";
    if (m instanceof z.ZodBoolean) return "boolean";
    if (m instanceof z.ZodEnum) return m.options.map((o) => JSON.stringify(o)).join(" | ");
    if (m instanceof z.ZodLiteral) return [...m.values].map((v) => JSON.stringify(v)).join(" | ");
    if (m instanceof z.ZodArray) {
      const element = typeLabel(m.def.element);
      return element.includes("|") ? `(${element})[]` : `${element}[]`;
    }
    if (m instanceof z.ZodObject) return "object";
    return "value";
  });
  return [...new Set(labels)].join(" | ");
}

/** Reads every option of a vendor options schema. */
export function optionSpecs(schema: z.ZodObject): OptionSpec[] {
  return Object.entries<z.core.$ZodType>(schema.shape).map(([key, field]): OptionSpec => {
    const kinds = members(field);
    const found = findDefault(field);
    return {
      key,
      flag: `--${toKebab(key)}`,
      typeLabel: typeLabel(field),
      boolean: kinds.length > 0 && kinds.every((k) => k instanceof z.ZodBoolean),
      repeatable: kinds.some((k) => k instanceof z.ZodArray),
      required: !z.safeParse(field, undefined).success,
      defaultValue: found.value,
      hasDefault: found.has,
      description: firstDescription(field) ?? "",
      schema: field,
    };
  });
}

const NUMERIC = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/**
 * Turns flag text into the value the option's schema accepts: a number when the schema wants one, a list
 * for repeatable flags. When no reading is accepted, the closest one is returned so the schema's own
 * message reports the problem.
 */
export function coerceFlagValue(spec: OptionSpec, raw: string | boolean | readonly string[]): unknown {
  if (typeof raw === "boolean") return raw;
  const texts = typeof raw === "string" ? [raw] : [...raw];
  const numeric = texts.every((t) => NUMERIC.test(t.trim()));
  const wantsNumber = members(spec.schema).some(
    (m) =>
      m instanceof z.ZodNumber || (m instanceof z.ZodArray && unwrap(m.def.element) instanceof z.ZodNumber),
  );
  const asNumbers = texts.map((t) => Number(t.trim()));
  const candidates: unknown[] = spec.repeatable
    ? [texts, ...(numeric ? [asNumbers] : [])]
    : [texts[texts.length - 1], ...(numeric ? [asNumbers[asNumbers.length - 1]] : [])];
  if (!spec.repeatable && (texts[0] === "true" || texts[0] === "false")) candidates.push(texts[0] === "true");
  const accepted = candidates.find((c) => z.safeParse(spec.schema, c).success);
  if (accepted !== undefined) return accepted;
  return wantsNumber && numeric ? candidates[1] : candidates[0];
}
