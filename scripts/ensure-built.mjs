#!/usr/bin/env node
// `npm run demo` and `npm run sandbox` start from the built code: this rebuilds `dist/` only when a source
// file, a tsconfig or package.json is newer than the last successful build (`dist/.build-stamp`, written by
// `npm run build`). Plain JavaScript, so that it runs in a few milliseconds on any supported Node.
// `--stamp` records a successful build (the build script calls it after tsc).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const stamp = join(root, "dist", ".build-stamp");

if (process.argv.includes("--stamp")) {
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  process.exit(0);
}

/** The newest modification time under `dir` (files only). */
function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

const inputs = Math.max(
  newest(join(root, "src")),
  ...["package.json", "tsconfig.json", "tsconfig.build.json"].map((f) => statSync(join(root, f)).mtimeMs),
);
if (existsSync(stamp) && statSync(stamp).mtimeMs >= inputs) process.exit(0);

process.stderr.write("building (the sources changed since the last build)...\n");
execFileSync(process.platform === "win32" ? "npm.cmd" : "npm", ["run", "build", "--silent"], {
  cwd: root,
  stdio: "inherit",
});
