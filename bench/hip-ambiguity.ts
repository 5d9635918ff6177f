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
// left out and counted. There, too, the cosmic muons' pixels called HIP, by how far they are from
// the nearest pixel of any other particle (is it the company?) and by their charge over the muon's
// median (is it a charge fluctuation?).
// Usage: node dist/bench/hip-ambiguity.js [events] [--model default-3d] [--dim 2 --model default-2d]
import { heldOutArgs } from "./held-out-args.js";
import { HIP, MIP, N_CLASSES, type TrueParticle } from "../src/data/labelled-event.js";
import { betheDedx, PROTON_MASS } from "../src/sim/lar.js";
import { simulateEvent } from "../src/sim/index.js";
import { rangeTable } from "../src/sim/transport.js";
import { TICK_CM, WIRE_PITCH_CM } from "../src/sim/wire-planes.js";
import { SiteGrid } from "./site-grid.js";

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
/** 2D, with a model: cosmic muons' pixels by the distance (Chebyshev, up to COMPANY_R) to the nearest
 *  labelled pixel of a non-cosmic particle, and by their ADC over their muon's median ADC. */
const COMPANY_R = 8;
const companyEdges = [1, 2, 4, COMPANY_R, COMPANY_R + 1];
const companyNames = ["1", "2", "3-4", `5-${COMPANY_R}`, `more than ${COMPANY_R}`];
const chargeEdges = [0.8, 1.25, 1.6, 2.5, Infinity];
const chargeNames = ["below 0.8", "0.8-1.25", "1.25-1.6", "1.6-2.5", "2.5 and above"];
const cosmicBins = (n: number) => ({ sites: new Array<number>(n).fill(0), hip: new Array<number>(n).fill(0) });
const byCompany = cosmicBins(companyEdges.length), byCharge = cosmicBins(chargeEdges.length);
/** Cosmic muons by their MIP pixels in the image (a short one clips a corner), and how many of the
 *  pixels called HIP belong to muons called HIP at more than half of their pixels. */
const lengthEdges = [100, 300, 1000, Infinity];
const lengthNames = ["below 100", "100-299", "300-999", "1000 and more"];
const byLength = cosmicBins(lengthEdges.length);
/** By the distance (pixels) to the image's border, and by the muon's angle to the drift (row) axis on the plane. */
const borderEdges = [16, 64, 256, Infinity];
const borderNames = ["below 16", "16-63", "64-255", "256 and more"];
const byBorder = cosmicBins(borderEdges.length);
const angleEdges = [15, 30, 60, 90.01];
const angleNames = ["0-15 degrees (along the drift)", "15-30", "30-60", "60-90 (along the wires' axis)"];
const byAngle = cosmicBins(angleEdges.length);
let cosmicsSeen = 0, cosmicsMostlyHip = 0, hipInMostlyHip = 0;
const grid = dim === 2 && predict ? SiteGrid.forDim(2) : undefined;
const OTHER = 1;
for (let e = 0; e < events; e++) {
  const ev = simulateEvent(simConfig, seed, e);
  if (dim === 2 && ev.meta?.plane !== "Y") throw new Error(`hip-ambiguity --dim 2 reads Y-plane images; ${dataName} has plane ${String(ev.meta?.plane)}`);
  const voxelCm = 0.3;
  const byId = new Map(ev.particles!.map((p) => [p.id, p]));
  const coords = ev.tensor.coords;
  sites += ev.labels!.length;
  const predicted = predict?.(ev.tensor);
  if (grid && predicted) cosmicMuons(ev.labels!, ev.instances!, ev.tensor.features, coords, byId, predicted);
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
/** Tallies one image's cosmic-muon MIP pixels by company, charge, border and angle, and its muons by length. */
function cosmicMuons(labels: Uint8Array, inst: Int32Array, adc: Float32Array, coords: Int32Array, byId: Map<number, TrueParticle>, predicted: Uint8Array): void {
  const at = (i: number) => coords.subarray(2 * i, 2 * i + 2);
  const isCosmic = (i: number) => byId.get(inst[i])?.process === "cosmic";
  const cosmicPixels: number[] = [], adcOf = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] >= N_CLASSES) continue;
    if (!isCosmic(i)) { grid!.set(at(i), OTHER); continue; }
    if (labels[i] !== MIP) continue;
    cosmicPixels.push(i);
    const list = adcOf.get(inst[i]) ?? [];
    list.push(adc[i]);
    adcOf.set(inst[i], list);
  }
  const median = new Map([...adcOf].map(([id, xs]) => [id, xs.sort((a, b) => a - b)[xs.length >> 1]]));
  for (const i of cosmicPixels) {
    const hip = predicted[i] === HIP ? 1 : 0;
    const company = grid!.nearest(at(i), OTHER, COMPANY_R), c = companyEdges.findIndex((x) => company <= x);
    byCompany.sites[c]++; byCompany.hip[c] += hip;
    const charge = adc[i] / median.get(inst[i])!, q = chargeEdges.findIndex((x) => charge < x);
    byCharge.sites[q]++; byCharge.hip[q] += hip;
    const [r, col] = at(i), [rows, cols] = grid!.shape, border = Math.min(r, col, rows - 1 - r, cols - 1 - col);
    const k = borderEdges.findIndex((x) => border < x);
    byBorder.sites[k]++; byBorder.hip[k] += hip;
    const d = byId.get(inst[i])!.direction, angle = (Math.atan2(Math.abs(d[2]), Math.abs(d[0])) * 180) / Math.PI;
    const g = angleEdges.findIndex((x) => angle < x);
    byAngle.sites[g]++; byAngle.hip[g] += hip;
  }
  for (let i = 0; i < labels.length; i++) if (labels[i] < N_CLASSES && !isCosmic(i)) grid!.set(at(i), 0);
  const hipOf = new Map<number, number>();
  for (const i of cosmicPixels) if (predicted[i] === HIP) hipOf.set(inst[i], (hipOf.get(inst[i]) ?? 0) + 1);
  for (const [id, xs] of adcOf) {
    const n = xs.length, hip = hipOf.get(id) ?? 0, b = lengthEdges.findIndex((x) => n < x);
    byLength.sites[b] += n; byLength.hip[b] += hip;
    cosmicsSeen++;
    if (2 * hip > n) { cosmicsMostlyHip++; hipInMostlyHip += hip; }
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
if (grid) {
  const total = byCompany.sites.reduce((a, b) => a + b, 0), hipAll = byCompany.hip.reduce((a, b) => a + b, 0);
  const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
  console.log(`\n${modelSource}: cosmic muons' MIP pixels (${total}), ${pct(hipAll, total)} called HIP`);
  console.log(`${cosmicsMostlyHip} of the ${cosmicsSeen} cosmic muons are called HIP at more than half of their pixels; they hold ${pct(hipInMostlyHip, hipAll)} of the pixels called HIP`);
  for (const [title, names, t] of [[`distance to the nearest pixel of another (not cosmic) particle`, companyNames, byCompany], [`ADC over the muon's median ADC`, chargeNames, byCharge], [`the muon's MIP pixels in the image`, lengthNames, byLength], [`distance to the image's border`, borderNames, byBorder], [`the muon's angle to the drift axis on the plane`, angleNames, byAngle]] as const) {
    console.log(`| ${title} | share of cosmic pixels | called HIP there | share of those called HIP |`);
    console.log("|---|---|---|---|");
    names.forEach((n, b) => console.log(`| ${n} | ${pct(t.sites[b], total)} | ${pct(t.hip[b], t.sites[b])} | ${pct(t.hip[b], hipAll)} |`));
  }
}
