import type { ConnectorListing } from "./manifest.js";
import type { Output } from "./output.js";
import { definitionList } from "./wrap.js";

export type { ConnectorListing } from "./manifest.js";

/**
 * `connectors`: what is available, the options of each, and the environment variables it needs. Reads the
 * generated manifest, so it loads no connector.
 */
export function printConnectors(out: Output, listing: readonly ConnectorListing[]): void {
  out.json({ connectors: listing });
  out.print(`${listing.length} connector(s). Push one profile with:`);
  out.print("  hrflow-connectors push-profile <connector> --source-key S --profile-key K ...");
  out.paragraph("Every push also needs HRFLOW_API_SECRET and HRFLOW_API_USER (HRFLOW_BASE_URL optional).");
  for (const c of listing) {
    out.print();
    out.paragraph(
      `${out.bold(c.name)}  ${c.displayName} (library: ${c.exportName}.pushProfile, auth: ${c.auth.join(" or ")})`,
    );
    out.detail(`  actions: ${c.actions.join(", ")}`);
    if (c.options.length > 0) {
      out.detail("  options:");
      const rows = c.options.map((o): [string, string] => [
        o.flag,
        [o.required ? "required" : "", "default" in o ? `default ${JSON.stringify(o.default)}` : "", o.type]
          .filter(Boolean)
          .join(", "),
      ]);
      for (const line of definitionList(rows, out.width, "    ")) out.detail(line);
    }
    out.detail("  environment:");
    const rows = c.environment.map((e): [string, string] => [
      e.name,
      `${e.required ? "required" : "optional"}${e.secret ? ", secret" : ""}: ${e.description}`,
    ]);
    for (const line of definitionList(rows, out.width, "    ")) out.detail(line);
    out.detail(`  docs: ${c.docs}`);
  }
}
