// 2D wire-plane images as MicroBooNE's SparseSSNet saw them: the deposits of a TPC projected on
// one plane (U, V at +-60 degrees from vertical, Y vertical; 3 mm wire pitch) against drift time
// (one row per 3 mm of drift), converted to ADC, with Gaussian electronics noise, then the
// threshold window (keep ADC >= 10, clip at 300). Empty pixels are not materialised: the number
// of noise-only pixels above threshold is drawn from its binomial (Poisson) law and their values
// from the Gaussian tail, which is the same distribution as adding noise to every pixel.

import type { Deposits } from "./deposits.js";
import { IGNORE_LABEL, trackShowerOf } from "../data/labelled-event.js";
import type { Random } from "./random.js";

export type Plane = "U" | "V" | "Y";
export const WIRE_PITCH_CM = 0.3;
export const TICK_CM = 0.3;
const TIME_SPREAD = [0.25, 0.5, 0.25];

export interface WireImageOptions {
  plane: Plane;
  rows: number;
  cols: number;
  /** ADC counts per MeV deposited in a pixel. */
  adcPerMeV: number;
  noiseAdc: number;
  threshold: number;
  clip: number;
  /** Centre of the image in the (drift, height, beam) frame, cm: the wire and time offsets. */
  zOffsetCm: number;
}

export interface WireImage {
  coords: Int32Array;
  adc: Float32Array;
  labels: Uint8Array;
  instances: Int32Array;
  /** Share of each pixel's deposited charge from particles of its label's track/shower group (0 for
   *  noise-only pixels): below 1 where a track and a shower meet on the plane. */
  trackShowerPurity: Float32Array;
  /** Share of each pixel's deposited charge from particles of its label's class (0 for noise-only
   *  pixels): below 1 where particles of different classes meet on the plane. */
  classPurity: Float32Array;
  noiseOnly: number;
}

/** Wire coordinate (cm along the plane's wire-number axis) of a point at height y, beam z. */
export function wireCoordinate(plane: Plane, y: number, z: number): number {
  if (plane === "Y") return z;
  const s = Math.sin(Math.PI / 3), c = Math.cos(Math.PI / 3);
  // U and V wires at +-60 degrees from vertical: their number runs along z cos60 -+ y sin60.
  return plane === "U" ? z * c - y * s : z * c + y * s;
}

export function wireImage(d: Deposits, rnd: Random, o: WireImageOptions): WireImage {
  // Pixels get a slot in the order they are first touched: the noise below is drawn in that order,
  // so it is part of the stream's bits. Each slot keeps its charge and a short list of
  // contributors (particle instance and label, charge), whose largest gives the pixel's label.
  const cap = 3 * d.n;
  const slotOf = new Map<number, number>();
  const key = new Int32Array(cap), value = new Float64Array(cap), head = new Int32Array(cap);
  const who = new Int32Array(cap), whoE = new Float64Array(cap), next = new Int32Array(cap);
  let slots = 0, entries = 0;
  for (let i = 0; i < d.n; i++) {
    const row0 = Math.floor(d.x[i] / TICK_CM);
    const col = Math.floor((wireCoordinate(o.plane, d.y[i], d.z[i]) + o.zOffsetCm) / WIRE_PITCH_CM);
    if (col < 0 || col >= o.cols) continue;
    const w = d.id[i] * 8 + d.label[i];
    // Diffusion and the electronics' shaping spread a charge over neighbouring ticks.
    for (let t = -1; t <= 1; t++) {
      const row = row0 + t;
      if (row < 0 || row >= o.rows) continue;
      const k = row * o.cols + col, e = d.e[i] * o.adcPerMeV * TIME_SPREAD[t + 1];
      let s = slotOf.get(k);
      if (s === undefined) {
        s = slots++;
        slotOf.set(k, s);
        key[s] = k; value[s] = 0; head[s] = -1;
      }
      value[s] += e;
      let c = head[s];
      while (c >= 0 && who[c] !== w) c = next[c];
      if (c < 0) { c = entries++; who[c] = w; whoE[c] = 0; next[c] = head[s]; head[s] = c; }
      whoE[c] += e;
    }
  }
  let pk = new Int32Array(slots), pv = new Float64Array(slots), pLabel = new Uint8Array(slots), pId = new Int32Array(slots);
  let pPure = new Float64Array(slots), pClassPure = new Float64Array(slots);
  let n = 0;
  /** A pixel's charge per label (who % 8). */
  const classE = new Float64Array(8);
  for (let s = 0; s < slots; s++) {
    const v = value[s] + o.noiseAdc * rnd.normal();
    if (v < o.threshold) continue;
    // The largest contributor, ties to the smallest (instance, label): independent of list order.
    // The charge of each track/shower group gives the purity of the label's group, and the charge
    // of the label's class the purity of the label itself.
    let top = -1, topE = -1, trackE = 0;
    classE.fill(0);
    for (let c = head[s]; c >= 0; c = next[c]) {
      if (whoE[c] > topE || (whoE[c] === topE && who[c] < top)) { top = who[c]; topE = whoE[c]; }
      if (trackShowerOf(who[c] % 8) === 0) trackE += whoE[c];
      classE[who[c] % 8] += whoE[c];
    }
    const same = trackShowerOf(top % 8) === 0 ? trackE : value[s] - trackE, sameClass = classE[top % 8];
    pk[n] = key[s]; pv[n] = Math.min(v, o.clip); pLabel[n] = top % 8; pId[n] = Math.floor(top / 8);
    pPure[n] = value[s] > 0 ? same / value[s] : 1; pClassPure[n] = value[s] > 0 ? sameClass / value[s] : 1; n++;
  }
  // Noise-only pixels above threshold among the empty ones.
  const empty = o.rows * o.cols - slots;
  const pTail = 0.5 * erfc(o.threshold / (o.noiseAdc * Math.SQRT2));
  const nNoise = rnd.poisson(empty * pTail);
  const grow = <T extends Int32Array | Float64Array | Uint8Array>(arr: T, make: (m: number) => T): T => { const b = make(n + nNoise); b.set(arr.subarray(0, n)); return b; };
  pk = grow(pk, (m) => new Int32Array(m)); pv = grow(pv, (m) => new Float64Array(m));
  pLabel = grow(pLabel, (m) => new Uint8Array(m)); pId = grow(pId, (m) => new Int32Array(m));
  pPure = grow(pPure, (m) => new Float64Array(m)); pClassPure = grow(pClassPure, (m) => new Float64Array(m));
  const a = o.threshold / o.noiseAdc;
  let noiseOnly = 0;
  for (let i = 0; i < nNoise; i++) {
    const k = Math.floor(rnd.uniform() * o.rows * o.cols);
    if (slotOf.has(k)) continue;
    slotOf.set(k, -1);
    // Gaussian tail above the threshold, by rejection from an exponential proposal.
    let x: number;
    do { x = a - Math.log(1 - rnd.uniform()) / a; } while (rnd.uniform() > Math.exp(-0.5 * (x - a) ** 2));
    pk[n] = k; pv[n] = Math.min(x * o.noiseAdc, o.clip); pLabel[n] = IGNORE_LABEL; pId[n] = -1; n++;
    noiseOnly++;
  }
  // Row-major order: pixel keys are distinct, so sorting the numbers key * n + slot (exact in a
  // double) orders the slots.
  const order = new Float64Array(n);
  for (let i = 0; i < n; i++) order[i] = pk[i] * n + i;
  order.sort();
  const coords = new Int32Array(2 * n), adc = new Float32Array(n), labels = new Uint8Array(n), instances = new Int32Array(n);
  const trackShowerPurity = new Float32Array(n), classPurity = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const p = order[i] % n;
    coords[2 * i] = Math.floor(pk[p] / o.cols); coords[2 * i + 1] = pk[p] % o.cols;
    adc[i] = pv[p]; labels[i] = pLabel[p]; instances[i] = pId[p]; trackShowerPurity[i] = pPure[p];
    classPurity[i] = pClassPure[p];
  }
  return { coords, adc, labels, instances, trackShowerPurity, classPurity, noiseOnly };
}

/** Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x), t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
