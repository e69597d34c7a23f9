import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { connectorDefinitions } from "../src/index.js";
import { renderDocs } from "../src/docs/render.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), "utf8");

describe("generated docs", () => {
  const defs = connectorDefinitions();
  const files = renderDocs(defs, read("README.md"));

  it.each([...files.keys()])("%s is what `npm run docs` produces", (path) => {
    let committed: string | undefined;
    try {
      committed = read(path);
    } catch {
      committed = undefined;
    }
    expect(committed, `${path} is stale or missing: run \`npm run docs\` and commit the result`).toBe(
      files.get(path),
    );
  });

  it("has a page for every registered connector and none for others", () => {
    const dirs = readdirSync(join(root, "docs", "connectors"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(dirs, "run `npm run docs`").toEqual(defs.map((d) => d.name).sort());
  });

  it("documents every vendor option, endpoint and environment variable of each connector", () => {
    for (const def of defs) {
      const page = files.get(`docs/connectors/${def.name}/push_profile.md`) ?? "";
      for (const key of Object.keys(def.optionsSchema.shape)) expect(page).toContain(`\`${key}\``);
      for (const endpoint of def.endpoints) expect(page).toContain(endpoint.docs);
      for (const variable of def.auth.env) expect(page).toContain(`\`${variable.name}\``);
      for (const row of def.fieldMapping) expect(page).toContain(row.vendorField.replace(/\|/g, "\\|"));
    }
  });
});

describe("TSDoc", () => {
  // Every export of the package's two entry points carries a doc comment (editors show it; it is the API doc).
  const entries = ["src/index.ts", "src/testing/index.ts"];
  const program = ts.createProgram(
    entries.map((e) => join(root, e)),
    {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
    },
  );
  const checker = program.getTypeChecker();

  it.each(entries)("every export of %s has a doc comment", (entry) => {
    const source = program.getSourceFile(join(root, entry));
    const module = source ? checker.getSymbolAtLocation(source) : undefined;
    expect(module).toBeDefined();
    const undocumented = (module ? checker.getExportsOfModule(module) : [])
      .filter((exported) => {
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        const declarations = symbol.getDeclarations() ?? [];
        return (
          ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim() === "" &&
          !declarations.some((d) => ts.getJSDocCommentsAndTags(d).length > 0)
        );
      })
      .map((exported) => exported.getName());
    expect(undocumented, `exports of ${entry} without TSDoc`).toEqual([]);
  });
});
