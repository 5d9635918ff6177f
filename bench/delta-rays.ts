// Which delta rays does a model miss? The generator labels "delta" the knock-on electrons of
// muons and pions from 3 MeV up to the critical energy (above it they shower and are labelled
// shower). A delta ray starts on its parent's track, inside the charge the track spreads over its
// neighbours, and its far end can look like any low-energy electron. This measures, on held-out
// events, the delta sites by the size of their delta ray (its sites in the event) and by the
// distance to the nearest track (HIP or MIP) site, and with --model M the model's delta accuracy
// in each bin and what it calls the rest; and all knock-on electrons by their energy at creation
// against the critical energy, where the label changes from delta to shower.
// Usage: node dist/bench/delta-rays.js [events] [--model default-3d] [--dim 2]
//   (--dim 2: the held-out 2D images, sim:2d@1000; default 3D, sim:3d:192@1000)
import { heldOutArgs } from "./held-out-args.js";
import { DELTA, IGNORE_LABEL, MIP, N_CLASSES, SHOWER_CLASS } from "../src/data/labelled-event.js";
import { simulateEvent } from "../src/sim/index.js";
import { CRITICAL_ENERGY_MEV } from "../src/sim/lar.js";
import { SiteGrid } from "./site-grid.js";

const { events, dim, dataName, simConfig, seed, unit, modelSource, predict } = await heldOutArgs(process.argv.slice(2));

interface Bins { names: string[]; sites: number[]; right: number[]; called: number[][] }
const bins = (names: string[]): Bins => ({ names, sites: names.map(() => 0), right: names.map(() => 0), called: names.map(() => new Array<number>(N_CLASSES).fill(0)) });
/** Upper edges (inclusive) of the size bins, in sites. */
const sizeEdges = [3, 9, 29, Infinity];
const bySize = bins(["1-3", "4-9", "10-29", "30 and more"].map((n) => `${n} ${unit}s`));
const R = 4;
const distEdges = [1, 2, 4, R + 1];
const byDist = bins([`1 ${unit}`, `2 ${unit}s`, `3-4 ${unit}s`, "more than 4"]);
const TRACK = 1;
const grid = SiteGrid.forDim(dim);
let deltaSites = 0, deltaRays = 0, sitesAll = 0;
/** Sites of knock-on electrons (process "delta", with their showers above the critical energy), by the
 *  electron's energy at creation over the critical energy: the label is delta below 1, shower above. */
const energyEdges = [0.5, 0.8, 1, 1.25, 2, Infinity];
const byEnergy = bins(["below 0.5", "0.5-0.8", "0.8-1", "1-1.25", "1.25-2", "2 and above"].map((n) => `${n} Ec`));
let knockOnSites = 0;

for (let e = 0; e < events; e++) {
  const ev = simulateEvent(simConfig, seed, e);
  const labels = ev.labels!, inst = ev.instances!, xyz = ev.tensor.coords;
  const at = (i: number) => xyz.subarray(dim * i, dim * i + dim);
  const predicted = predict?.(ev.tensor);
  const particles = new Map(ev.particles!.map((p) => [p.id, p]));
  labels.forEach((l, i) => {
    const p = particles.get(inst[i]);
    if (l === IGNORE_LABEL || p?.process !== "delta") return;
    knockOnSites++;
    const ratio = p.kineticMeV / CRITICAL_ENERGY_MEV, b = energyEdges.findIndex((x) => ratio < x);
    byEnergy.sites[b]++;
    if (predicted) { byEnergy.called[b][predicted[i]]++; if (predicted[i] === l) byEnergy.right[b]++; }
  });
  const size = new Map<number, number>();
  const deltas: number[] = [];
  labels.forEach((l, i) => {
    if (l !== IGNORE_LABEL) sitesAll++;
    if (l <= MIP) grid.set(at(i), TRACK);
    if (l === DELTA) { deltas.push(i); size.set(inst[i], (size.get(inst[i]) ?? 0) + 1); }
  });
  deltaRays += size.size;
  for (const i of deltas) {
    deltaSites++;
    const b1 = sizeEdges.findIndex((x) => size.get(inst[i])! <= x);
    const dist = grid.nearest(at(i), TRACK, R), b2 = distEdges.findIndex((x) => dist <= x);
    for (const [t, b] of [[bySize, b1], [byDist, b2]] as const) {
      t.sites[b]++;
      if (predicted) { t.called[b][predicted[i]]++; if (predicted[i] === DELTA) t.right[b]++; }
    }
  }
  labels.forEach((l, i) => { if (l <= MIP) grid.set(at(i), 0); });
}

const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
const wrongAll = predict ? deltaSites - bySize.right.reduce((a, b) => a + b, 0) : 0;
console.log(`${events} events (${dataName}), ${sitesAll} labelled sites, ${deltaSites} delta sites (${pct(deltaSites, sitesAll)}) in ${deltaRays} delta rays` +
  (predict ? `; ${modelSource}: delta accuracy ${pct(deltaSites - wrongAll, deltaSites)}` : ""));
for (const [title, t] of [["size of the delta ray", bySize], [`distance (Chebyshev) to the nearest track site`, byDist]] as const) {
  console.log(`\n| ${title} | share of delta sites |${predict ? " delta accuracy there | share of the errors | called MIP | called shower |" : ""}`);
  console.log(`|---|---|${predict ? "---|---|---|---|" : ""}`);
  t.names.forEach((n, b) => {
    const row = [n, pct(t.sites[b], deltaSites)];
    if (predict) row.push(pct(t.right[b], t.sites[b]), pct(t.sites[b] - t.right[b], wrongAll), pct(t.called[b][MIP], t.sites[b]), pct(t.called[b][SHOWER_CLASS], t.sites[b]));
    console.log(`| ${row.join(" | ")} |`);
  });
}

console.log(`\nKnock-on electrons by their energy at creation over the critical energy (Ec = ${CRITICAL_ENERGY_MEV} MeV; labelled delta below, shower above), ${knockOnSites} ${unit}s (${pct(knockOnSites, sitesAll)} of all):`);
console.log(`| energy at creation | share of their ${unit}s |${predict ? " right there | called delta | called shower | called MIP |" : ""}`);
console.log(`|---|---|${predict ? "---|---|---|---|" : ""}`);
byEnergy.names.forEach((n, b) => {
  const row = [n, pct(byEnergy.sites[b], knockOnSites)];
  if (predict) row.push(pct(byEnergy.right[b], byEnergy.sites[b]), pct(byEnergy.called[b][DELTA], byEnergy.sites[b]), pct(byEnergy.called[b][SHOWER_CLASS], byEnergy.sites[b]), pct(byEnergy.called[b][MIP], byEnergy.sites[b]));
  console.log(`| ${row.join(" | ")} |`);
});
