import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { buildManifest } from "../../src/cli/manifest.js";
import { CONNECTOR_MANIFEST } from "../../src/cli/manifest.generated.js";
import { createProgram } from "../../src/cli/program.js";
import { addPushOptions } from "../../src/cli/push-profile.js";
import { connectorDefinitions } from "../../src/connectors/registry.js";

const io = {
  stdout: { write: () => true },
  stderr: { write: () => true },
  env: {},
  cwd: process.cwd(),
};

describe("the CLI manifest", () => {
  it("is what the connector definitions say (npm run docs writes it; the docs test checks the file)", () => {
    expect(CONNECTOR_MANIFEST).toEqual(buildManifest(connectorDefinitions()));
  });

  it("gives every push command the flags its schema gives, with the same help", () => {
    const program = createProgram(io, () => undefined);
    const push = program.commands.find((c) => c.name() === "push-profile");
    for (const def of connectorDefinitions()) {
      const fromManifest = push?.commands.find((c) => c.name() === def.name);
      const fromSchema = new Command(def.name);
      addPushOptions(fromSchema, def);
      const describe = (command: Command | undefined) =>
        command?.options.map((o) => [o.flags, o.description, o.attributeName()]);
      expect(describe(fromManifest), def.name).toEqual(describe(fromSchema));
    }
  });
});
