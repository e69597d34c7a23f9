/**
 * Start-up of the command line next to a bare Node.js, in the same run: `node -e 0`, then
 * `hrflow-connectors --help`, `connectors` and `push-profile <connector> --help` from the built code
 * (`dist/`, as `npx hrflow-connectors` runs it), interleaved so that a busy machine slows them all alike.
 * Run with `node --import tsx bench/startup.ts` after `npm run build` (`npm run bench` does).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
if (!existsSync(main)) throw new Error("run `npm run build` first");
const RUNS = 30;
const commands: [string, string[]][] = [
  ["node -e 0", ["-e", "0"]],
  ["hrflow-connectors --help", [main, "--help"]],
  ["hrflow-connectors connectors", [main, "connectors"]],
  ["hrflow-connectors push-profile taleez --help", [main, "push-profile", "taleez", "--help"]],
];
const times = new Map<string, number[]>(commands.map(([name]) => [name, []]));
for (let run = 0; run < RUNS + 3; run++) {
  for (const [name, args] of commands) {
    const started = performance.now();
    const result = spawnSync(process.execPath, args, { stdio: "ignore" });
    const ms = performance.now() - started;
    if (result.status !== 0) throw new Error(`${name} exited ${String(result.status)}`);
    if (run >= 3) times.get(name)?.push(ms); // the first 3 runs warm the file system cache
  }
}
const stats = (values: number[]): { mean: number; median: number; p90: number } => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, median: at(0.5), p90: at(0.9) };
};
const base = stats(times.get("node -e 0") ?? []).median;
console.log(`CLI start-up, ${RUNS} runs each (Node ${process.version})`);
console.log("| command | median (ms) | mean (ms) | p90 (ms) | over `node -e 0` (ms) |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [name] of commands) {
  const s = stats(times.get(name) ?? []);
  console.log(
    `| \`${name}\` | ${s.median.toFixed(0)} | ${s.mean.toFixed(0)} | ${s.p90.toFixed(0)} | ${(s.median - base).toFixed(0)} |`,
  );
}
