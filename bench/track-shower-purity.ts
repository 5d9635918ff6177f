// How much of the track/shower error sits where the label itself is mixed? The generator labels
// each site by the particle that left most energy in it: in 3D after a transverse smearing that
// makes a track about three voxels wide, in 2D after the projection on the wire plane, where
// particles at different heights share a pixel. Where a track and a shower (or a delta ray, a
// Michel electron) share a site, the label is the larger deposit's, and the rest of the energy
// belongs to the other group. This measures, on held-out events, the share of sites by their
// track/shower purity (the share of the site's energy from the label's own group) and, with
// --model M, the model's track/shower accuracy in each bin and where its errors fall, and which
// particles (by type and how they came about) the errors at pure sites belong to, and how far
// those sites are from the nearest site of the other group; how much of the error is whole particles
// labelled as the wrong group; and (3D) the primaries' error by how far they run before leaving the cube.
// Usage: node dist/bench/track-shower-purity.js [events] [--model default-3d] [--dim 2]
//   (--dim 2: the held-out 2D images, sim:2d@1000; default 3D, sim:3d:192@1000)
import { heldOutArgs } from "./held-out-args.js";
import { IGNORE_LABEL, trackShowerOf } from "../src/data/labelled-event.js";
import { simulateEvent } from "../src/sim/index.js";
import { RADIATION_LENGTH_CM } from "../src/sim/lar.js";
import { SiteGrid } from "./site-grid.js";
import { particleKind } from "./particle-kind.js";

const { events, dim, dataName, simConfig, seed, unit, modelSource, predict } = await heldOutArgs(process.argv.slice(2));

/** Upper edges of the purity bins. */
const edges = [0.6, 0.8, 0.95, 0.999, Infinity];
const names = ["below 0.6", "0.6-0.8", "0.8-0.95", "0.95-0.999", "pure (0.999+)"];
const sites = edges.map(() => 0), wrong = edges.map(() => 0);
let total = 0;
/** Per site of the image: 1 track site, 2 shower site (trackShowerOf + 1). */
const grid = SiteGrid.forDim(dim);
/** Distance to the nearest site of the other group, up to R. */
const R = 4;
const distEdges = [1, 2, 4, R + 1];
const distNames = [`1 ${unit}`, `2 ${unit}s`, `3-4 ${unit}s`, "more than 4"];
const distSites = distEdges.map(() => 0), distWrong = distEdges.map(() => 0);
/** Pure sites by the labelled particle's kind: sites, wrong. */
const byKind = new Map<string, [number, number]>();
/** Adds (sites, wrong) to the tally of `key`. */
function tally<K>(counts: Map<K, [number, number]>, key: K, sites: number, wrong: number): void {
  const c = counts.get(key) ?? [0, 0];
  c[0] += sites;
  c[1] += wrong;
  counts.set(key, c);
}
/** Particles (any site, any purity): how many, how many with more than half of their sites wrong, and
 *  the errors in those. */
let particlesSeen = 0, particlesWrong = 0, errorsInWrongParticles = 0;
/** Those particles by kind (type, how it came about): how many, their errors. */
const wrongByKind = new Map<string, [number, number]>();
/** 3D primaries by the straight path from their start to the cube's wall, in radiation lengths:
 *  a particle that leaves within one shows little of what it would become. */
const pathEdges = [1, 2, 3, Infinity];
const pathNames = ["below 1 X0", "1-2 X0", "2-3 X0", "3 X0 and more"];
const pathSites = pathEdges.map(() => 0), pathWrong = pathEdges.map(() => 0);
const cm = (simConfig.voxelMm ?? 3) / 10, side = simConfig.size ?? 192;
const pathToWall = (start: number[], dir: number[]) => {
  let t = Infinity;
  for (let a = 0; a < 3; a++) {
    if (dir[a] > 1e-9) t = Math.min(t, (side - start[a]) / dir[a]);
    else if (dir[a] < -1e-9) t = Math.min(t, -start[a] / dir[a]);
  }
  return (t * cm) / RADIATION_LENGTH_CM;
};
for (let e = 0; e < events; e++) {
  const ev = simulateEvent(simConfig, seed, e);
  const labels = ev.labels!, purity = ev.trackShowerPurity!;
  const predicted = predict?.(ev.tensor);
  const particles = new Map(ev.particles!.map((p) => [p.id, p]));
  const xyz = ev.tensor.coords;
  const at = (i: number) => xyz.subarray(dim * i, dim * i + dim);
  // Noise-only pixels (2D) carry no label: they are not sites of either group.
  const labelled = [...labels.keys()].filter((i) => labels[i] !== IGNORE_LABEL);
  const perParticle = new Map<number, [number, number]>();
  for (const i of labelled) grid.set(at(i), trackShowerOf(labels[i]) + 1);
  for (const i of labelled) {
    const b = edges.findIndex((x) => purity[i] < x);
    sites[b]++;
    total++;
    const miss = predicted !== undefined && trackShowerOf(predicted[i]) !== trackShowerOf(labels[i]);
    if (miss) wrong[b]++;
    if (predicted && ev.instances![i] >= 0) tally(perParticle, ev.instances![i], 1, miss ? 1 : 0);
    if (predicted && purity[i] >= 0.999) {
      tally(byKind, particleKind(particles.get(ev.instances![i])), 1, miss ? 1 : 0);
      const d = grid.nearest(at(i), 2 - trackShowerOf(labels[i]), R);
      const db = distEdges.findIndex((x) => d <= x);
      distSites[db]++;
      if (miss) distWrong[db]++;
    }
  }
  for (const i of labelled) grid.set(at(i), 0);
  for (const [id, [n, w]] of perParticle) {
    particlesSeen++;
    const p = particles.get(id);
    if (w > n / 2) {
      particlesWrong++;
      errorsInWrongParticles += w;
      tally(wrongByKind, particleKind(p), 1, w);
    }
    if (dim === 3 && p && p.process === "primary") {
      const b = pathEdges.findIndex((x) => pathToWall(p.start, p.direction) < x);
      pathSites[b] += n;
      pathWrong[b] += w;
    }
  }
}
const errors = wrong.reduce((a, b) => a + b, 0);
console.log(`${events} events (${dataName}), ${total} sites${predict ? `, ${modelSource}: track/shower accuracy ${(100 * (1 - errors / total)).toFixed(2)}%` : ""}`);
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
  console.log(`\nPure sites by the distance (Chebyshev, ${unit}s) to the nearest site of the other group:`);
  console.log("| distance | share of pure sites | accuracy there | share of the pure sites' errors |");
  console.log("|---|---|---|---|");
  distEdges.forEach((_, b) => console.log(`| ${distNames[b]} | ${((100 * distSites[b]) / sites[sites.length - 1]).toFixed(1)}% | ${(100 * (1 - distWrong[b] / Math.max(1, distSites[b]))).toFixed(1)}% | ${((100 * distWrong[b]) / Math.max(1, pureErrors)).toFixed(1)}% |`));
}
if (predict) {
  console.log(`\nWhole particles: ${particlesWrong} of ${particlesSeen} have more than half of their sites in the wrong group; they hold ${((100 * errorsInWrongParticles) / Math.max(1, errors)).toFixed(1)}% of the errors.`);
  for (const [key, [n, w]] of [...wrongByKind].sort((a, b) => b[1][1] - a[1][1]).slice(0, 6)) {
    console.log(`  ${key}: ${n} particles, ${((100 * w) / Math.max(1, errors)).toFixed(1)}% of the errors`);
  }
}
if (predict && dim === 3) {
  console.log("\nPrimaries' sites by the straight path from the particle's start to the cube's wall (X0 = 14 cm):");
  console.log("| path to the wall | share of all sites | accuracy there | share of all errors |");
  console.log("|---|---|---|---|");
  pathEdges.forEach((_, b) => console.log(`| ${pathNames[b]} | ${((100 * pathSites[b]) / total).toFixed(1)}% | ${(100 * (1 - pathWrong[b] / Math.max(1, pathSites[b]))).toFixed(1)}% | ${((100 * pathWrong[b]) / Math.max(1, errors)).toFixed(1)}% |`));
}
