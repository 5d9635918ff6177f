// The shipped models against random weights of the same shape (their filters and depth), on the bench events:
// per-event time and the convolutions' GFLOP/s, next to the best deterministic microkernel of the
// same run. `npm run bench` times random weights, as SparseConvNet's recorded times do not depend
// on the weights; ours do, because the channel-sparse kernel skips the zeros a ReLU leaves, and a
// trained network leaves another share of them. So this says what a user of default-2d /
// default-3d gets. Rounds alternate the two weight sets; every measurement, the microkernels' too,
// runs in a fresh process (as in `npm run bench`: engines of large events left in one process
// slowed the next ones by up to 45%).
// Usage: node dist/bench/trained-models.js [--rounds N] [--events a,b] [--json]
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import type { BenchReport } from "../src/cli/bench.js";
import { readEventFile } from "../src/node/event-file.js";
import { loadModel } from "../src/node/model-io.js";
import { sharedDir } from "../src/node/shared-dir.js";
import { median } from "../src/util/stats.js";
import { bestDeterministicGflops, type KernelResult } from "./kernels.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** The last line of a fresh node process's output, parsed as JSON. */
const runJson = <T>(args: string[]): T => JSON.parse(execFileSync(process.execPath, ["--experimental-wasm-relaxed-simd", ...args],
  { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop()!) as T;

const { values } = parseArgs({ options: { rounds: { type: "string" }, events: { type: "string" }, json: { type: "boolean" } } });
const rounds = Number(values.rounds ?? "3");
const eventsDir = join(sharedDir(), "bench-events");
const events = values.events?.split(",") ??
  readdirSync(eventsDir).filter((e) => existsSync(join(eventsDir, e, "event.safetensors")) && !e.includes("train"));

interface Row { event: string; weights: string; depth: number; median_ms: number; conv_gflops: number; conv_executed_fraction: number; rounds_ms: number[] }
const rows: Row[] = [];
/** The shipped models' shapes, read once. */
const shapes = new Map(["default-2d", "default-3d"].map((m) => [m, loadModel(m).config]));
for (const event of events) {
  const dir = join(eventsDir, event);
  const model = readEventFile(dir).tensor.dim === 2 ? "default-2d" : "default-3d";
  const { filters, depth } = shapes.get(model)!;
  const byWeights = new Map<string, BenchReport[]>();
  for (let r = 0; r < rounds; r++) {
    for (const weights of ["random", model]) {
      const args = [join(root, "bin", "sparsessnet.js"), "bench", "--event", dir, "--runs", "5", "--warmup", "4", "--json",
        ...(weights === "random" ? ["--filters", String(filters), "--depth", String(depth)] : ["--model", weights])];
      const rep = runJson<BenchReport>(args);
      byWeights.set(weights, [...(byWeights.get(weights) ?? []), rep]);
      console.error(`${event} ${weights}: ${(rep.median_s * 1000).toFixed(1)} ms, convolutions ${rep.conv_gflops.toFixed(1)} GFLOP/s`);
    }
  }
  for (const [weights, reps] of byWeights) {
    rows.push({
      event, weights, depth, median_ms: 1000 * median(reps.map((x) => x.median_s)), conv_gflops: median(reps.map((x) => x.conv_gflops)),
      conv_executed_fraction: median(reps.map((x) => x.conv_executed_fraction)), rounds_ms: reps.map((x) => 1000 * x.median_s),
    });
  }
}
const best = bestDeterministicGflops(runJson<KernelResult[]>([join(root, "dist", "bench", "kernels.js"), "--json"]));
if (values.json) console.log(JSON.stringify({ rounds, bestDeterministicMicrokernelGflops: best, rows }));
else {
  console.log(`Random weights of each shipped model's shape (filters and depth); medians over ${rounds} rounds (each the median of 5 runs in a fresh engine); best deterministic microkernel ${best.toFixed(1)} GFLOP/s\n`);
  console.log("| event | weights | depth | per event | convolutions GFLOP/s (share of the best microkernel) | multiply-adds done |");
  console.log("|---|---|---|---|---|---|");
  for (const r of rows) {
    console.log(`| ${r.event} | ${r.weights} | ${r.depth} | ${r.median_ms.toFixed(1)} ms | ${r.conv_gflops.toFixed(1)} (${((100 * r.conv_gflops) / best).toFixed(0)}%) | ${(100 * r.conv_executed_fraction).toFixed(0)}% |`);
  }
}
