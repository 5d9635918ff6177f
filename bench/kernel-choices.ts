// What the engine's kernel chooser settles on, in fresh processes: each process warms an engine up
// on one bench event (random weights), as `bench` does, then reports for every convolution wide
// enough to have a channel-sparse form which kernel it ran on the next events, and their median
// time. Fresh processes, because the choice is learnt once per engine and a noisy minute during
// those first events is what can leave a convolution on the slower kernel (docs/performance.md,
// "Kernels compared in pairs"). Builds alternate, process by process.
//
// Usage: node dist/bench/kernel-choices.js <event dir> <build> [<build> ...] [--filters 16|32]
//          [--processes N]
//   where a build is a package root holding a built dist/ (e.g. a git worktree after npm run build).
// One line per process: build, convolutions on the dense kernel / all, median ms of 5 events after
// the warm-up; then per build the processes' dense counts and medians.
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { median } from "../src/util/stats.js";
import { warmedEngine } from "./builds.js";

/** In the child: warm up (warmedEngine: 6 events, as conv-replay and ab-builds do), then the kernels of one more
 *  event and the median of five. */
async function child(root: string, eventDir: string, filters: number): Promise<void> {
  const engine = await warmedEngine(root, eventDir, filters);
  const picks: string[] = [];
  // args[6] is the input's channels, args[21] the channel-sparse row starts (0: the dense kernel).
  engine.run({ onConvolution: (c: { args: number[] }) => { if (c.args[6] >= 8) picks.push(c.args[21] ? "s" : "d"); } });
  const times = Array.from({ length: 5 }, () => engine.run().timings.totalMs);
  await engine.close();
  console.log(JSON.stringify({ dense: picks.filter((p) => p === "d").length, convolutions: picks.length, medianMs: median(times) }));
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { filters: { type: "string", default: "32" }, processes: { type: "string", default: "8" }, child: { type: "string" } },
  });
  if (values.child) return child(values.child, positionals[0], Number(values.filters));
  if (positionals.length < 2) throw new Error("usage: kernel-choices <event dir> <build> [<build> ...] [--filters 16|32] [--processes N]");
  const [eventDir, ...builds] = positionals;
  const self = fileURLToPath(import.meta.url);
  const results = builds.map((): { dense: number; convolutions: number; medianMs: number }[] => []);
  for (let p = 0; p < Number(values.processes); p++) {
    builds.forEach((b, i) => {
      const out = execFileSync(process.execPath, [self, eventDir, "--child", resolve(b), "--filters", values.filters!], { encoding: "utf8" });
      const r = JSON.parse(out.trim().split("\n").pop()!);
      results[i].push(r);
      console.log(`${b}: ${r.dense} of ${r.convolutions} convolutions dense, median ${r.medianMs.toFixed(1)} ms`);
    });
  }
  builds.forEach((b, i) => console.log(`${b}: dense ${results[i].map((r) => r.dense).join(" ")}; medians ${results[i].map((r) => r.medianMs.toFixed(0)).join(" ")} ms`));
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
}
