// Two builds of the engine in one process, their runs alternating: the way this project measures a
// kernel change on a shared, noisy machine (docs/performance.md). Separate processes run minutes
// apart, and the host's speed drifts by more than the changes being measured; alternating runs in
// one process share whatever the host does. Each build runs the same event on the same random
// weights, and the logits of the two builds are compared bit for bit after every round.
//
// Usage: node dist/bench/ab-builds.js <buildA> <buildB> <event dir> [--filters 16|32] [--rounds N]
//          [--part total|geometry|network] [--fast]
//   (--fast: both builds in the relaxed-SIMD build; Node 20 needs --experimental-wasm-relaxed-simd)
//   where a build is a package root holding a built dist/ (e.g. a git worktree after npm run build).
// Prints the medians of each build's runs, their ratio B/A, and the ratio in each round (sorted): a
// round's runs are minutes closer together than the whole comparison's; then the means, their ratio,
// and each build's 95th percentile and slowest run.
import { parseArgs } from "node:util";
import { mean, median } from "../src/util/stats.js";
import { warmedEngine } from "./builds.js";

type Part = "total" | "geometry" | "network";

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { filters: { type: "string", default: "32" }, rounds: { type: "string", default: "12" }, part: { type: "string", default: "total" }, fast: { type: "boolean", default: false } } });
  if (positionals.length !== 3) throw new Error("usage: ab-builds <buildA> <buildB> <event dir> [--filters 16|32] [--rounds N] [--part total|geometry|network] [--fast]");
  // Which part of each run to time: the whole event, the levels and rulebooks, or the network after them.
  const part = values.part as Part;
  if (!["total", "geometry", "network"].includes(part)) throw new Error(`--part ${part}: total, geometry or network`);
  const [dirA, dirB, eventDir] = positionals;
  const filters = Number(values.filters), rounds = Number(values.rounds);
  const A = await warmedEngine(dirA, eventDir, filters, values.fast), B = await warmedEngine(dirB, eventDir, filters, values.fast);
  const times: [number[], number[]] = [[], []];
  const roundRatios: number[] = [];
  let differing = 0;
  for (let r = 0; r < rounds; r++) {
    // Alternate which build goes first, so neither always runs right after the other.
    const round: [number[], number[]] = [[], []];
    for (const i of r % 2 ? [0, 1] : [1, 0]) for (let j = 0; j < 3; j++) round[i].push([A, B][i].run().timings[`${part}Ms`]);
    times[0].push(...round[0]); times[1].push(...round[1]);
    roundRatios.push(median(round[1]) / median(round[0]));
    const la = A.run().logits, lb = B.run().logits;
    const a = new Uint32Array(la.buffer, la.byteOffset, la.length), b = new Uint32Array(lb.buffer, lb.byteOffset, lb.length);
    if (a.length !== b.length || a.some((x, i) => x !== b[i])) differing++;
  }
  const [ma, mb] = times.map(median);
  console.log(`${eventDir.replace(/\/+$/, "").split("/").pop()} ${filters} filters${values.fast ? ", fast" : ""}, ${part === "total" ? "" : `${part} part, `}${rounds} rounds of 3 runs each: ` +
    `A ${ma.toFixed(2)} ms, B ${mb.toFixed(2)} ms, B/A ${(mb / ma).toFixed(3)} ` +
    `(per round ${[...roundRatios].sort((x, y) => x - y).map((x) => x.toFixed(2)).join(" ")}); logits ${differing ? `differ in ${differing} rounds` : "bit-identical"}`);
  // The mean and the tail as well: what a stream of events costs, where the medians hide the
  // occasional slow event (the kernel chooser's rechecks, session 43).
  const tail = (xs: number[]) => { const s = [...xs].sort((x, y) => x - y); return `95th percentile ${s[Math.floor(0.95 * (s.length - 1))].toFixed(2)}, max ${s[s.length - 1].toFixed(2)}`; };
  console.log(`  means A ${mean(times[0]).toFixed(2)} ms, B ${mean(times[1]).toFixed(2)} ms, B/A ${(mean(times[1]) / mean(times[0])).toFixed(3)}; A ${tail(times[0])}; B ${tail(times[1])}`);
  await A.close(); await B.close();
  if (differing) process.exitCode = 1;
}

await main();
