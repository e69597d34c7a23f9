import { Breezyhr } from "./breezyhr/index.js";
import type { ConnectorDefinition } from "./definition.js";
import { Flatchr } from "./flatchr/index.js";
import { Greenhouse } from "./greenhouse/index.js";
import { SmartRecruiters } from "./smartrecruiters/index.js";
import { Taleez } from "./taleez/index.js";

/**
 * The only file that knows every connector. A new connector is one folder, one fake, its fixtures, and one
 * line here.
 */
export const CONNECTORS = [Breezyhr, SmartRecruiters, Flatchr, Greenhouse, Taleez] as const;

/** Every connector definition, by machine name. */
export function connectorDefinitions(): ConnectorDefinition[] {
  return CONNECTORS.map((c) => c.definition as ConnectorDefinition);
}

/** The connector of that machine name (`smartrecruiters`), or undefined. */
export function findConnector(name: string): (typeof CONNECTORS)[number] | undefined {
  const wanted = name.toLowerCase().replace(/[-_\s]/g, "");
  return CONNECTORS.find((c) => c.definition.name === wanted);
}
