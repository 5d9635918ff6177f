// How many HIP sites can a network tell from MIP at all? The generator labels every proton HIP,
// whatever its energy (the particle bomb draws protons of 50-4000 MeV), but above a few
// hundred MeV a proton is nearly minimum-ionising: its dE/dx is that of a muon or pion of the same
// velocity. This measures, on held-out events, the fraction of HIP sites where the proton's mean
// dE/dx (Bethe-Bloch at the site's kinetic energy, from the CSDA range table along the track) is
// within 20% / 30% / 50% of the minimum: sites that only context (the Bragg peak, the lack of
// delta rays, straightness) can label, if anything can. With --model M it also runs the model and
// gives its HIP accuracy per dE/dx bin: where the errors are, against what the data allows.
// With --dim 2, the same on the wire-plane images (sim:2d@1000, Y plane): a pixel has no height, so
// the path length to it is the projection of its (drift, beam) position on the proton's direction
// in that plane; protons within ~13 degrees of the vertical, whose image is too short for that, are
// left out and counted.
// Usage: node dist/bench/hip-ambiguity.js [events] [--model default-3d] [--dim 2 --model default-2d]
import { heldOutArgs } from "./held-out-args.js";
import { HIP, MIP, N_CLASSES } from "../src/data/labelled-event.js";
import { betheDedx, PROTON_MASS } from "../src/sim/lar.js";
import { simulateEvent } from "../src/sim/index.js";
import { rangeTable } from "../src/sim/transport.js";
import { TICK_CM, WIRE_PITCH_CM } from "../src/sim/wire-planes.js";

const { events, dim, dataName, simConfig, seed, unit, modelSource, predict } = await heldOutArgs(process.argv.slice(2));
/** A proton's image on the plane shorter than this (the squared length of its direction's (drift,
 *  beam) part) gives no usable path length: left out. */
const MIN_PLANE_PROJECTION = 0.05;
/** Bins of the proton's dE/dx over the minimum, for the model's accuracy. */
const bins = [1.2, 1.5, 2, 4, Infinity];
const binSites = bins.map(() => 0), binHip = bins.map(() => 0), binMip = bins.map(() => 0);
const table = rangeTable(PROTON_MASS);
let minDedx = Infinity;
for (let T = 100; T < 1e5; T *= 1.01) minDedx = Math.min(minDedx, betheDedx(T, PROTON_MASS));
/** Kinetic energy whose CSDA range is r (bisection on the monotone range table). */
const energyAtRange = (r: number, tMax: number) => {
  let lo = 0, hi = tMax;
  for (let i = 0; i < 60; i++) { const m = (lo + hi) / 2; if (table.rangeOf(m) < r) lo = m; else hi = m; }
  return (lo + hi) / 2;
};
const limits = [1.2, 1.3, 1.5];
const within = limits.map(() => 0);
let hipSites = 0, sites = 0, leftOut = 0;
const mipByOrigin = new Map<string, { sites: number; hip: number }>();
/** Sites with a class label (2D noise-only pixels have none): what non-zero accuracy counts. */
let labelled = 0;
for (let e = 0; e < events; e++) {
  const ev = simulateEvent(simConfig, seed, e);
  if (dim === 2 && ev.meta?.plane !== "Y") throw new Error(`hip-ambiguity --dim 2 reads Y-plane images; ${dataName} has plane ${String(ev.meta?.plane)}`);
  const voxelCm = 0.3;
  const byId = new Map(ev.particles!.map((p) => [p.id, p]));
  const coords = ev.tensor.coords;
  sites += ev.labels!.length;
  const predicted = predict?.(ev.tensor);
  for (let i = 0; i < ev.labels!.length; i++) {
    if (ev.labels![i] < N_CLASSES) labelled++;
    if (predicted && ev.labels![i] === MIP) {
      // The other side of the ambiguity: MIP sites called HIP, by where their particle came from.
      const p = byId.get(ev.instances![i]);
      const key = p ? `${p.process}, PDG ${Math.abs(p.pdg)}` : "unknown";
      const o = mipByOrigin.get(key) ?? { sites: 0, hip: 0 };
      o.sites++;
      if (predicted[i] === HIP) o.hip++;
      mipByOrigin.set(key, o);
    }
    if (ev.labels![i] !== HIP) continue;
    const p = byId.get(ev.instances![i]);
    if (!p || p.pdg !== 2212) continue;
    // Path length (cm) from the proton's start to the site, along its initial direction.
    let s = 0;
    if (dim === 3) {
      for (let d = 0; d < 3; d++) s += (coords[3 * i + d] + 0.5 - p.start[d]) * p.direction[d] * voxelCm;
    } else {
      // Y plane: row = drift (x) / tick, column = beam (z) / wire pitch; particles' starts are in cm.
      const [dx, dz] = [p.direction[0], p.direction[2]], q = dx * dx + dz * dz;
      if (q < MIN_PLANE_PROJECTION) { leftOut++; continue; }
      const x = (coords[2 * i] + 0.5) * TICK_CM, z = (coords[2 * i + 1] + 0.5) * WIRE_PITCH_CM;
      s = ((x - p.start[0]) * dx + (z - p.start[2]) * dz) / q;
    }
    hipSites++;
    const T = energyAtRange(Math.max(0, table.rangeOf(p.kineticMeV) - Math.max(0, s)), p.kineticMeV);
    const ratio = betheDedx(Math.max(T, 1e-3), PROTON_MASS) / minDedx;
    limits.forEach((l, k) => { if (ratio < l) within[k]++; });
    if (predicted) {
      const b = bins.findIndex((x) => ratio < x);
      binSites[b]++;
      if (predicted[i] === HIP) binHip[b]++;
      if (predicted[i] === MIP) binMip[b]++;
    }
  }
}
console.log(`${events} events (${dataName}), ${sites} sites, ${hipSites} HIP sites (${((100 * hipSites) / sites).toFixed(1)}%)` +
  (leftOut ? `; ${leftOut} more HIP ${unit}s left out (protons within 13 degrees of the vertical)` : ""));
limits.forEach((l, k) => console.log(`HIP sites with mean dE/dx below ${l.toFixed(1)} x minimum-ionising: ${((100 * within[k]) / hipSites).toFixed(1)}%`));
if (predict) {
  console.log(`${modelSource}: HIP sites by the proton's dE/dx over minimum-ionising`);
  bins.forEach((x, b) => {
    const lo = b === 0 ? "below" : `${bins[b - 1]}-`, name = x === Infinity ? `${bins[b - 1]} and above` : `${lo} ${x}`.replace("- ", "-");
    console.log(`  ${name.padEnd(14)} ${((100 * binSites[b]) / hipSites).toFixed(1).padStart(5)}% of HIP sites, predicted HIP ${((100 * binHip[b]) / Math.max(1, binSites[b])).toFixed(1)}%, MIP ${((100 * binMip[b]) / Math.max(1, binSites[b])).toFixed(1)}%`);
  });
  console.log(`${modelSource}: MIP ${unit}s by their particle's origin, and the share called HIP (points of non-zero accuracy lost)`);
  for (const [origin, o] of [...mipByOrigin].sort((a, b) => b[1].sites - a[1].sites)) {
    console.log(`  ${origin.padEnd(18)} ${((100 * o.sites) / labelled).toFixed(1).padStart(5)}% of the labelled ${unit}s, called HIP ${((100 * o.hip) / o.sites).toFixed(1)}% (${((100 * o.hip) / labelled).toFixed(2)} points)`);
  }
}
