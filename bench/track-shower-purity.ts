// How much of the 3D track/shower error sits where the label itself is mixed? The generator labels
// each voxel by the particle that left most energy in it, after a transverse smearing that makes
// a track about three voxels wide. Where a track and a shower (or a delta ray, a Michel electron)
// pass through the same voxels, the label is the larger deposit's, and the rest of the energy
// belongs to the other group. This measures, on held-out events, the share of sites by their
// track/shower purity (the share of the voxel's energy from the label's own group) and, with
// --model M, the model's track/shower accuracy in each bin and where its errors fall, and which
// particles (by type and how they came about) the errors at pure sites belong to, and how far
// those sites are from the nearest site of the other group.
// Usage: node dist/bench/track-shower-purity.js [events] [--model default-3d]
import { heldOutArgs } from "./held-out-args.js";
import { trackShowerOf } from "../src/data/labelled-event.js";
import { simulateEvent } from "../src/sim/index.js";

const { events, modelSource, predict } = await heldOutArgs(process.argv.slice(2));

/** Upper edges of the purity bins. */
const edges = [0.6, 0.8, 0.95, 0.999, Infinity];
const names = ["below 0.6", "0.6-0.8", "0.8-0.95", "0.95-0.999", "pure (0.999+)"];
const sites = edges.map(() => 0), wrong = edges.map(() => 0);
let total = 0;
const SIZE = 192;
/** Per voxel of the cube: 0 empty, 1 track site, 2 shower site (trackShowerOf + 1; reset after each event). */
const grid = new Uint8Array(SIZE ** 3);
/** Chebyshev distance to the nearest site of the other group, up to R (R + 1: none within R). */
const R = 4;
const distEdges = [1, 2, 4, R + 1];
const distNames = ["1 voxel", "2 voxels", "3-4 voxels", "more than 4"];
const distSites = distEdges.map(() => 0), distWrong = distEdges.map(() => 0);
const nearestOther = (x: number, y: number, z: number, other: number) => {
  for (let r = 1; r <= R; r++) {
    for (let a = Math.max(0, x - r); a <= Math.min(SIZE - 1, x + r); a++)
      for (let b = Math.max(0, y - r); b <= Math.min(SIZE - 1, y + r); b++)
        for (let c = Math.max(0, z - r); c <= Math.min(SIZE - 1, z + r); c++)
          if (grid[(a * SIZE + b) * SIZE + c] === other) return r;
  }
  return R + 1;
};
/** Pure sites by the labelled particle's kind: sites, wrong. */
const byKind = new Map<string, [number, number]>();
const kindOf = (pdg: number, process: string, kineticMeV: number) => {
  const name: Record<number, string> = { 11: "e", [-11]: "e", 22: "gamma", 13: "mu", [-13]: "mu", 211: "pi", [-211]: "pi", 2212: "p" };
  const band = kineticMeV < 50 ? "<50 MeV" : kineticMeV < 200 ? "50-200 MeV" : ">=200 MeV";
  return `${name[pdg] ?? pdg} ${process} ${band}`;
};
for (let e = 0; e < events; e++) {
  const ev = simulateEvent({ dim: 3, size: 192 }, 1000, e);
  const labels = ev.labels!, purity = ev.trackShowerPurity!;
  const predicted = predict?.(ev.tensor);
  const particles = new Map(ev.particles!.map((p) => [p.id, p]));
  const xyz = ev.tensor.coords;
  for (let i = 0; i < labels.length; i++) grid[(xyz[3 * i] * SIZE + xyz[3 * i + 1]) * SIZE + xyz[3 * i + 2]] = trackShowerOf(labels[i]) + 1;
  for (let i = 0; i < labels.length; i++) {
    const b = edges.findIndex((x) => purity[i] < x);
    sites[b]++;
    total++;
    const miss = predicted !== undefined && trackShowerOf(predicted[i]) !== trackShowerOf(labels[i]);
    if (miss) wrong[b]++;
    if (predicted && purity[i] >= 0.999) {
      const p = particles.get(ev.instances![i]);
      const key = p ? kindOf(p.pdg, p.process, p.kineticMeV) : "unknown";
      const c = byKind.get(key) ?? [0, 0];
      c[0]++;
      if (miss) c[1]++;
      byKind.set(key, c);
      const d = nearestOther(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2], 2 - trackShowerOf(labels[i]));
      const db = distEdges.findIndex((x) => d <= x);
      distSites[db]++;
      if (miss) distWrong[db]++;
    }
  }
  for (let i = 0; i < labels.length; i++) grid[(xyz[3 * i] * SIZE + xyz[3 * i + 1]) * SIZE + xyz[3 * i + 2]] = 0;
}
const errors = wrong.reduce((a, b) => a + b, 0);
console.log(`${events} events (sim:3d:192@1000), ${total} sites${predict ? `, ${modelSource}: track/shower accuracy ${(100 * (1 - errors / total)).toFixed(2)}%` : ""}`);
console.log(`| track/shower purity | share of sites |${predict ? " accuracy there | share of the errors |" : ""}`);
console.log(`|---|---|${predict ? "---|---|" : ""}`);
edges.forEach((_, b) => {
  const row = [names[b], `${((100 * sites[b]) / total).toFixed(1)}%`];
  if (predict) row.push(`${(100 * (1 - wrong[b] / Math.max(1, sites[b]))).toFixed(1)}%`, `${((100 * wrong[b]) / Math.max(1, errors)).toFixed(1)}%`);
  console.log(`| ${row.join(" | ")} |`);
});
if (predict) {
  const pureErrors = wrong[wrong.length - 1];
  console.log("\nPure sites by the labelled particle (type, how it came about, kinetic energy at creation), by share of the errors:");
  console.log("| particle | share of pure sites | accuracy there | share of the pure sites' errors |");
  console.log("|---|---|---|---|");
  for (const [key, [n, w]] of [...byKind].sort((a, b) => b[1][1] - a[1][1]).slice(0, 14)) {
    console.log(`| ${key} | ${((100 * n) / sites[sites.length - 1]).toFixed(1)}% | ${(100 * (1 - w / n)).toFixed(1)}% | ${((100 * w) / Math.max(1, pureErrors)).toFixed(1)}% |`);
  }
}
if (predict) {
  const pureErrors = wrong[wrong.length - 1];
  console.log("\nPure sites by the distance (Chebyshev, voxels) to the nearest site of the other group:");
  console.log("| distance | share of pure sites | accuracy there | share of the pure sites' errors |");
  console.log("|---|---|---|---|");
  distEdges.forEach((_, b) => console.log(`| ${distNames[b]} | ${((100 * distSites[b]) / sites[sites.length - 1]).toFixed(1)}% | ${(100 * (1 - distWrong[b] / Math.max(1, distSites[b]))).toFixed(1)}% | ${((100 * distWrong[b]) / Math.max(1, pureErrors)).toFixed(1)}% |`));
}
