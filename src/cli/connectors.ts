import type { ConnectorDefinition } from "../index.js";
import { optionSpecs } from "./option-specs.js";
import type { Output } from "./output.js";

/** What `connectors` shows for one connector (also its `--json` shape). */
export interface ConnectorListing {
  name: string;
  displayName: string;
  exportName: string;
  actions: string[];
  description: string;
  auth: readonly string[];
  options: {
    name: string;
    flag: string;
    type: string;
    required: boolean;
    default?: unknown;
    description: string;
  }[];
  environment: { name: string; required: boolean; secret: boolean; description: string }[];
  docs: string;
}

/** The listing of every connector, in registry order. */
export function listConnectors(defs: readonly ConnectorDefinition[]): ConnectorListing[] {
  return defs.map((def) => ({
    name: def.name,
    displayName: def.displayName,
    exportName: def.exportName,
    actions: ["push-profile"],
    description: def.description,
    auth: def.auth.classes,
    options: optionSpecs(def.optionsSchema).map((spec) => ({
      name: spec.key,
      flag: spec.flag,
      type: spec.typeLabel,
      required: spec.required,
      ...(spec.hasDefault ? { default: spec.defaultValue } : {}),
      description: spec.description,
    })),
    environment: def.auth.env.map((v) => ({
      name: v.name,
      required: v.required,
      secret: v.secret,
      description: v.description,
    })),
    docs: `docs/connectors/${def.name}/push_profile.md`,
  }));
}

/** `connectors`: what is available, the options of each, and the environment variables it needs. */
export function printConnectors(out: Output, defs: readonly ConnectorDefinition[]): void {
  const listing = listConnectors(defs);
  out.json({ connectors: listing });
  out.print(`${listing.length} connector(s). Push one profile with:`);
  out.print("  hrflow-connectors push-profile <connector> --source-key S --profile-key K [options]");
  out.print("Every push also needs HRFLOW_API_SECRET and HRFLOW_API_USER (HRFLOW_BASE_URL optional).");
  for (const c of listing) {
    out.print();
    out.print(
      `${c.name}  ${c.displayName} (library: ${c.exportName}.pushProfile, auth: ${c.auth.join(" or ")})`,
    );
    out.detail(`  actions: ${c.actions.join(", ")}`);
    if (c.options.length > 0) {
      out.detail("  options:");
      const width = Math.max(...c.options.map((o) => o.flag.length));
      for (const o of c.options) {
        const notes = [
          o.required ? "required" : "",
          "default" in o ? `default ${JSON.stringify(o.default)}` : "",
          o.type,
        ].filter(Boolean);
        out.detail(`    ${o.flag.padEnd(width)}  ${notes.join(", ")}`);
      }
    }
    out.detail("  environment:");
    const width = Math.max(...c.environment.map((e) => e.name.length));
    for (const e of c.environment) {
      out.detail(
        `    ${e.name.padEnd(width)}  ${e.required ? "required" : "optional"}${e.secret ? ", secret" : ""}: ${e.description}`,
      );
    }
    out.detail(`  docs: ${c.docs}`);
  }
}
