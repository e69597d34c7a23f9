/**
 * Fresh-install time of the packed tarball: `npm pack`, then `npm install <tarball>` into an empty folder,
 * once with npm's cache as it is (dependencies already downloaded, as on a developer's machine) and once
 * with an empty cache (every dependency downloaded from the registry). Run with
 * `node --import tsx bench/install.ts` after `npm run build` (`npm run bench` does).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const npm = process.platform === "win32" ? "npm.cmd" : "npm";
const work = mkdtempSync(join(tmpdir(), "hrflow-install-bench-"));
try {
  // The built dist/ as it is (--ignore-scripts: `prepack` would rebuild it, which is not what is measured).
  const name = execFileSync(npm, ["pack", "--silent", "--ignore-scripts", "--pack-destination", work], {
    cwd: root,
    encoding: "utf8",
  })
    .trim()
    .split("\n")
    .pop();
  const tarball = join(work, name ?? "");
  const install = (label: string, extra: string[]): void => {
    const app = join(work, label);
    mkdirSync(app);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true }));
    const started = performance.now();
    execFileSync(npm, ["install", tarball, "--no-audit", "--no-fund", "--loglevel=error", ...extra], {
      cwd: app,
      stdio: "ignore",
    });
    const ms = performance.now() - started;
    const count =
      execFileSync(npm, ["ls", "--all", "--parseable"], { cwd: app, encoding: "utf8" }).trim().split("\n")
        .length - 1;
    console.log(`| ${label} | ${(ms / 1000).toFixed(1)} | ${count} |`);
  };
  console.log(`Fresh install of ${name ?? "the tarball"} (Node ${process.version})`);
  console.log("| npm cache | seconds | packages installed |");
  console.log("| --- | ---: | ---: |");
  install("warm", ["--prefer-offline"]);
  install("empty", ["--cache", join(work, "empty-cache")]);
} finally {
  rmSync(work, { recursive: true, force: true });
}
