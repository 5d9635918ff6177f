// The generator's physics, checked against the textbook numbers it claims to reproduce (PDG
// values for liquid argon), plus determinism and the label/site invariants.
import assert from "node:assert/strict";
import { test } from "node:test";
import { classCounts, DELTA, HIP, IGNORE_LABEL, MICHEL, MIP } from "../src/data/labelled-event.js";
import { Deposits } from "../src/sim/deposits.js";
import { betheDedx, MUON_MASS, PROTON_MASS, RADIATION_LENGTH_CM, photonAttenuation, DENSITY } from "../src/sim/lar.js";
import { Random } from "../src/sim/random.js";
import { MICHEL_ENDPOINT_MEV, rangeTable, sampleMichelFraction, Transport, type World } from "../src/sim/transport.js";
import { simulateEvent } from "../src/sim/index.js";
import { smearingKernel, voxelize } from "../src/sim/voxelize.js";
import { wireImage } from "../src/sim/wire-planes.js";
import { wireImageReference } from "./support/wire-image-reference.js";

const everywhere: World = { inside: () => true };

/** Deposits of one particle from the origin along +z, in a boundless argon volume. */
function track(pdg: number, T: number, seed: number): { d: Deposits; tr: Transport } {
  const d = new Deposits();
  const tr = new Transport(new Random(seed, 0), everywhere, d);
  tr.run(pdg, [0, 0, 0], [0, 0, 1], T, "test");
  return { d, tr };
}

test("stopping power and CSDA ranges in liquid argon match the PDG tables", () => {
  // PDG: minimum ionisation 2.105 MeV/cm (1.508 MeV cm^2/g x 1.396); a 1 GeV muon's CSDA range in
  // liquid argon is about 4.4 m (~615 g/cm^2 in the PDG muon table for argon).
  const minDedx = Math.min(...[100, 200, 300, 400, 600, 1000].map((T) => betheDedx(T, MUON_MASS)));
  assert.ok(Math.abs(minDedx - 2.105) < 0.06, `muon minimum dE/dx ${minDedx}`);
  const mu = rangeTable(MUON_MASS).rangeOf(1000);
  assert.ok(mu > 420 && mu < 460, `1 GeV muon range ${mu} cm`);
  // A 100 MeV proton stops in ~7.8 cm of liquid argon (water's PSTAR 7.72 g/cm^2 scaled by Z/A and
  // the Bethe logarithm for I = 188 eV gives 10.8 g/cm^2).
  const p = rangeTable(PROTON_MASS).rangeOf(100);
  assert.ok(Math.abs(p - 7.8) / 7.8 < 0.05, `100 MeV proton range ${p} cm`);
});

test("a muon's most probable dE/dx per 1 cm is MIP-like (1.7-2.1 MeV/cm); a stopping proton rises toward its end (Bragg)", () => {
  const perCm: number[] = [];
  for (let s = 0; s < 20; s++) {
    const { d } = track(13, 2000, s);
    const bins = new Map<number, number>();
    for (let i = 0; i < d.n; i++) if (d.label[i] === MIP) bins.set(Math.floor(d.z[i]), (bins.get(Math.floor(d.z[i])) ?? 0) + d.e[i]);
    for (const [z, e] of bins) if (z >= 5 && z < 100) perCm.push(e);
  }
  // Mode of the per-cm energy by a fine histogram.
  const h = new Map<number, number>();
  for (const e of perCm) h.set(Math.round(e * 20), (h.get(Math.round(e * 20)) ?? 0) + 1);
  const mode = [...h].sort((a, b) => b[1] - a[1])[0][0] / 20;
  assert.ok(mode >= 1.6 && mode <= 2.1, `muon most probable dE/dx ${mode} MeV/cm`);
  const { d } = track(2212, 200, 1);
  const range = Math.max(...Array.from(d.z.subarray(0, d.n)));
  let first = 0, last = 0;
  for (let i = 0; i < d.n; i++) {
    if (d.z[i] < 2) first += d.e[i];
    if (d.z[i] > range - 2) last += d.e[i];
  }
  assert.ok(last / 2 > 2 * (first / 2), `proton dE/dx first 2 cm ${first / 2}, last 2 cm ${last / 2}`);
  assert.ok(Array.from(d.label.subarray(0, d.n)).every((l) => l === HIP));
});

test("Michel spectrum: endpoint 52.8 MeV and shape x^2 (3 - 2x)", () => {
  const rnd = new Random(3, 0), n = 40000, bins = new Array<number>(10).fill(0);
  for (let i = 0; i < n; i++) {
    const x = sampleMichelFraction(rnd);
    assert.ok(x >= 0 && x <= 1);
    bins[Math.min(9, Math.floor(x * 10))]++;
  }
  for (let b = 0; b < 10; b++) {
    const lo = b / 10, hi = (b + 1) / 10, F = (x: number) => x ** 3 - x ** 4 / 2; // CDF x the norm 1/2
    const expected = (n * (F(hi) - F(lo))) / 0.5;
    assert.ok(Math.abs(bins[b] - expected) < 5 * Math.sqrt(expected) + 5, `bin ${b}: ${bins[b]} vs ${expected}`);
  }
  // Stopping mu+ give Michel deposits that carry at most the endpoint energy.
  let michelEvents = 0;
  for (let s = 0; s < 30; s++) {
    const { d } = track(-13, 300, 100 + s);
    let e = 0;
    for (let i = 0; i < d.n; i++) if (d.label[i] === MICHEL) e += d.e[i];
    if (e > 0) michelEvents++;
    assert.ok(e <= MICHEL_ENDPOINT_MEV + 1e-3, `Michel deposits ${e} MeV`);
  }
  assert.equal(michelEvents, 30, "every stopping mu+ decays");
});

test("photons convert away from the vertex: mean first interaction ~ 9/7 X0 at high energy", () => {
  const att = photonAttenuation(1000);
  const lambda = 1 / ((att.compton + att.pair) * DENSITY);
  assert.ok(Math.abs(lambda - (9 / 7) * RADIATION_LENGTH_CM) / lambda < 0.06, `interaction length ${lambda} cm`);
  let sum = 0, n = 0;
  for (let s = 0; s < 300; s++) {
    const { d } = track(22, 500, s);
    let first = Infinity;
    for (let i = 0; i < d.n; i++) first = Math.min(first, Math.hypot(d.x[i], d.y[i], d.z[i]));
    if (Number.isFinite(first)) { sum += first; n++; }
  }
  const mean = sum / n;
  assert.ok(Math.abs(mean - lambda) / lambda < 0.15, `mean distance to the first deposit ${mean} cm vs ${lambda}`);
});

test("multiple scattering: a muon's projected deflection over one X0 follows Highland within 15%", () => {
  const p = 500, T = Math.sqrt(p * p + MUON_MASS ** 2) - MUON_MASS, beta = p / (T + MUON_MASS);
  const theta0 = (13.6 / (beta * p)) * Math.sqrt(1) * (1 + 0.038 * Math.log(1 / (beta * beta)));
  const angles: number[] = [];
  for (let s = 0; s < 300; s++) {
    const { d } = track(13, T, 1000 + s);
    // Direction between the deposits around z = 13 and z = 14 cm (after ~1 X0 of path).
    let a: number | undefined, b: number | undefined;
    for (let i = 0; i < d.n; i++) {
      if (d.label[i] !== MIP) continue;
      if (a === undefined && d.z[i] > RADIATION_LENGTH_CM - 0.5) a = i;
      if (a !== undefined && d.z[i] > RADIATION_LENGTH_CM + 0.3) { b = i; break; }
    }
    if (a === undefined || b === undefined) continue;
    angles.push(Math.atan2(d.x[b] - d.x[a], d.z[b] - d.z[a]));
  }
  const rms = Math.sqrt(angles.reduce((s, x) => s + x * x, 0) / angles.length);
  assert.ok(Math.abs(rms - theta0) / theta0 < 0.15, `RMS projected angle ${rms} vs Highland ${theta0}`);
});

test("smearing conserves energy; voxel labels follow the largest deposit", () => {
  for (const sigma of [0.3, 0.5, 1.2]) {
    const k = smearingKernel(sigma);
    assert.ok(Math.abs(k.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  }
  const d = new Deposits();
  d.add(3.05, 3.05, 3.05, 1.0, 1, MIP);
  d.add(3.05, 3.05, 3.05, 0.4, 2, DELTA);
  d.add(6.05, 6.05, 6.05, 2.0, 3, HIP);
  d.add(6.05, 6.05, 6.05, 0.5, 4, MIP);
  const v = voxelize(d, 64, 0.3, 0.5, 0);
  const total = v.energy.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(total - 3.9) < 1e-5, `energy after smearing ${total}`);
  const centre = [...Array(v.labels.length).keys()].find((i) => v.coords[3 * i] === 10 && v.coords[3 * i + 1] === 10 && v.coords[3 * i + 2] === 10)!;
  assert.equal(v.labels[centre], MIP);
  assert.equal(v.instances[centre], 1);
  // 1.0 MeV of track and 0.4 of shower-group energy (a delta ray) share the voxel: purity 1 / 1.4.
  assert.ok(Math.abs(v.trackShowerPurity[centre] - 1 / 1.4) < 1e-6, `purity ${v.trackShowerPurity[centre]}`);
  assert.ok(Math.abs(v.classPurity[centre] - 1 / 1.4) < 1e-6, `class purity ${v.classPurity[centre]}`);
  // 2.0 MeV of HIP and 0.5 of MIP: one track group (purity 1), but the label's class has 2.0 of 2.5.
  const far = [...Array(v.labels.length).keys()].find((i) => v.coords[3 * i] === 20 && v.coords[3 * i + 1] === 20 && v.coords[3 * i + 2] === 20)!;
  assert.equal(v.labels[far], HIP);
  assert.equal(v.trackShowerPurity[far], 1);
  assert.ok(Math.abs(v.classPurity[far] - 0.8) < 1e-6, `class purity ${v.classPurity[far]}`);
});

test("wire-plane pixels carry the share of their charge from the label's track/shower group and class", () => {
  const d = new Deposits();
  d.add(3.05, 0, 3.05, 1.0, 1, MIP);
  d.add(3.05, 0, 3.05, 0.4, 2, DELTA);
  d.add(6.05, 0, 6.05, 2.0, 3, HIP);
  d.add(6.05, 0, 6.05, 0.5, 4, MIP);
  const img = wireImage(d, new Random(5, 0), { plane: "Y", rows: 64, cols: 64, adcPerMeV: 100, noiseAdc: 4, threshold: 10, clip: 300, zOffsetCm: 0 });
  const at = (row: number, col: number) => [...img.labels.keys()].find((i) => img.coords[2 * i] === row && img.coords[2 * i + 1] === col)!;
  // The time spread puts the same mix in the three rows of each deposit.
  for (const row of [9, 10, 11]) {
    assert.equal(img.labels[at(row, 10)], MIP);
    assert.ok(Math.abs(img.trackShowerPurity[at(row, 10)] - 1 / 1.4) < 1e-6, `row ${row}: purity ${img.trackShowerPurity[at(row, 10)]}`);
    assert.ok(Math.abs(img.classPurity[at(row, 10)] - 1 / 1.4) < 1e-6, `row ${row}: class purity ${img.classPurity[at(row, 10)]}`);
    // HIP and MIP charge in one pixel: one track group, the label's class holds 2.0 of 2.5.
    assert.equal(img.labels[at(row + 10, 20)], HIP);
    assert.equal(img.trackShowerPurity[at(row + 10, 20)], 1);
    assert.ok(Math.abs(img.classPurity[at(row + 10, 20)] - 0.8) < 1e-6, `row ${row + 10}: class purity ${img.classPurity[at(row + 10, 20)]}`);
  }
  assert.ok(img.noiseOnly > 0, "a few noise-only pixels at 4 ADC of noise and a threshold of 10");
  img.labels.forEach((l, i) => { if (l === IGNORE_LABEL) { assert.equal(img.trackShowerPurity[i], 0); assert.equal(img.classPurity[i], 0); } });
});

test("events are deterministic per (seed, index), valid, and their class mix is PILArNet-like", () => {
  const a = simulateEvent({ dim: 3, size: 192 }, 11, 4), b = simulateEvent({ dim: 3, size: 192 }, 11, 4), c = simulateEvent({ dim: 3, size: 192 }, 11, 5);
  assert.deepEqual(a.tensor.coords, b.tensor.coords);
  assert.deepEqual(a.tensor.features, b.tensor.features);
  assert.deepEqual(a.labels, b.labels);
  assert.notDeepEqual(a.tensor.coords, c.tensor.coords);
  const totals = [0, 0, 0, 0, 0];
  for (let i = 0; i < 100; i++) {
    const ev = simulateEvent({ dim: 3, size: 192 }, 11, i);
    const n = ev.labels!.length, seen = new Set<string>();
    for (let r = 0; r < n; r++) {
      const key = Array.from(ev.tensor.coords.subarray(3 * r, 3 * r + 3)).join(",");
      assert.ok(!seen.has(key), "unique coordinates");
      seen.add(key);
      for (let a2 = 0; a2 < 3; a2++) assert.ok(ev.tensor.coords[3 * r + a2] >= 0 && ev.tensor.coords[3 * r + a2] < 192);
      assert.ok(ev.labels![r] < 5);
    }
    classCounts(ev.labels!).forEach((x, k) => { totals[k] += x; });
  }
  const sum = totals.reduce((x, y) => x + y, 0), f = totals.map((x) => x / sum);
  console.log(`class fractions (3D, 100 events): ${f.map((x) => (100 * x).toFixed(2)).join(" / ")} % (HIP/MIP/shower/delta/Michel)`);
  assert.ok(f[1] + f[2] > 0.6, "mostly MIP and shower");
  assert.ok(f[3] > 0.003 && f[3] < 0.06, `delta ${f[3]}`);
  assert.ok(f[4] > 0.003 && f[4] < 0.04, `Michel ${f[4]}`);
  const e2 = simulateEvent({ dim: 2 }, 11, 0);
  const occupancy = e2.labels!.length / (1008 * 3456);
  assert.ok(occupancy > 0.001 && occupancy < 0.01, `2D occupancy ${occupancy}`);
  assert.ok(e2.tensor.features.every((v) => v >= 10 && v <= 300), "threshold window 10-300");
});

test("the wire-plane projection matches its straightforward reference bit for bit, random draws included", () => {
  // Deposits of a realistic mix (muons that stop and give a Michel electron, a shower, protons,
  // tracks crossing the image's edges), projected on each plane by the engine's flat-array code and
  // by the one-Map-per-pixel reference, each with its own copy of the same random stream.
  const tpc: World = { inside: (p) => p[0] >= 0 && p[0] < 256 && p[1] >= -116 && p[1] < 116 && p[2] >= 0 && p[2] < 1036 };
  for (const seed of [1, 2, 3]) {
    const d = new Deposits();
    const tr = new Transport(new Random(seed, 99), tpc, d);
    tr.run(13, [128, 0, 500], [0.6, 0.0, 0.8], 400, "test");
    tr.run(11, [128, 0, 500], [0, 0.6, 0.8], 600, "test");
    tr.run(2212, [128, 0, 500], [0, -0.6, -0.8], 300, "test");
    tr.run(-13, [10, 100, 3], [0.3, -0.5, -0.81], 8000, "test");
    for (const plane of ["U", "V", "Y"] as const) {
      const o = { plane, rows: 1008, cols: 3456, adcPerMeV: 100, noiseAdc: 2.5, threshold: 10, clip: 300, zOffsetCm: plane === "Y" ? 0 : 101 };
      const r1 = new Random(seed, 7), r2 = new Random(seed, 7);
      const fast = wireImage(d, r1, o), ref = wireImageReference(d, r2, o);
      assert.ok(ref.labels.length > 1000 && ref.noiseOnly > 10, `a busy image (${ref.labels.length} pixels, ${ref.noiseOnly} noise-only)`);
      assert.deepEqual(fast.coords, ref.coords);
      assert.deepEqual(fast.adc, ref.adc);
      assert.deepEqual(fast.labels, ref.labels);
      assert.deepEqual(fast.instances, ref.instances);
      assert.equal(fast.noiseOnly, ref.noiseOnly);
      assert.equal(r1.uniform(), r2.uniform(), "both drew the same number of random values");
    }
  }
});
