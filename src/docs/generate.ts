/**
 * `npm run docs`: writes docs/connectors/<connector>/push_profile.md for every registered connector,
 * docs/connectors/README.md, and the connector table of README.md, from the connector definitions.
 * Removes the pages of connectors that are no longer registered. Not part of the package's API.
 */
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { connectorDefinitions } from "../index.js";
import { renderDocs } from "./render.js";

const root = fileURLToPath(new URL("../../", import.meta.url));
const defs = connectorDefinitions();
const readme = await readFile(join(root, "README.md"), "utf8");
const files = renderDocs(defs, readme);

for (const [path, content] of files) {
  const target = join(root, path);
  await mkdir(dirname(target), { recursive: true });
  const previous = await readFile(target, "utf8").catch(() => undefined);
  if (previous !== content) {
    await writeFile(target, content);
    process.stdout.write(`wrote ${path}\n`);
  }
}

const registered = new Set(defs.map((d) => d.name));
const connectorsDir = join(root, "docs", "connectors");
for (const entry of await readdir(connectorsDir, { withFileTypes: true })) {
  if (entry.isDirectory() && !registered.has(entry.name)) {
    await rm(join(connectorsDir, entry.name), { recursive: true });
    process.stdout.write(`removed docs/connectors/${entry.name}/ (no such connector)\n`);
  }
}
process.stdout.write(`docs up to date: ${defs.length} connector(s)\n`);
