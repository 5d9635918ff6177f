// 2D wire-plane images as MicroBooNE's SparseSSNet saw them: the deposits of a TPC projected on
// one plane (U, V at +-60 degrees from vertical, Y vertical; 3 mm wire pitch) against drift time
// (one row per 3 mm of drift), converted to ADC, with Gaussian electronics noise, then the
// threshold window (keep ADC >= 10, clip at 300). Empty pixels are not materialised: the number
// of noise-only pixels above threshold is drawn from its binomial (Poisson) law and their values
// from the Gaussian tail, which is the same distribution as adding noise to every pixel.

import type { Deposits } from "./deposits.js";
import { IGNORE_LABEL } from "../data/labelled-event.js";
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
  const value = new Map<number, number>();
  const who = new Map<number, Map<number, number>>();
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
      value.set(k, (value.get(k) ?? 0) + e);
      let m = who.get(k);
      if (!m) who.set(k, m = new Map());
      m.set(w, (m.get(w) ?? 0) + e);
    }
  }
  const pixels: { k: number; v: number; label: number; id: number }[] = [];
  for (const [k, v0] of value) {
    const v = v0 + o.noiseAdc * rnd.normal();
    if (v < o.threshold) continue;
    let top = -1, topE = -1;
    for (const [w, e] of who.get(k)!) if (e > topE || (e === topE && w < top)) { top = w; topE = e; }
    pixels.push({ k, v: Math.min(v, o.clip), label: top % 8, id: Math.floor(top / 8) });
  }
  // Noise-only pixels above threshold among the empty ones.
  const empty = o.rows * o.cols - value.size;
  const pTail = 0.5 * erfc(o.threshold / (o.noiseAdc * Math.SQRT2));
  const nNoise = rnd.poisson(empty * pTail);
  let noiseOnly = 0;
  for (let i = 0; i < nNoise; i++) {
    const k = Math.floor(rnd.uniform() * o.rows * o.cols);
    if (value.has(k)) continue;
    value.set(k, 0);
    // Gaussian tail above the threshold, by rejection from an exponential proposal.
    const a = o.threshold / o.noiseAdc;
    let x: number;
    do { x = a - Math.log(1 - rnd.uniform()) / a; } while (rnd.uniform() > Math.exp(-0.5 * (x - a) ** 2));
    pixels.push({ k, v: Math.min(x * o.noiseAdc, o.clip), label: IGNORE_LABEL, id: -1 });
    noiseOnly++;
  }
  pixels.sort((p, q) => p.k - q.k);
  const n = pixels.length;
  const coords = new Int32Array(2 * n), adc = new Float32Array(n), labels = new Uint8Array(n), instances = new Int32Array(n);
  pixels.forEach((p, i) => {
    coords[2 * i] = Math.floor(p.k / o.cols); coords[2 * i + 1] = p.k % o.cols;
    adc[i] = p.v; labels[i] = p.label; instances[i] = p.id;
  });
  return { coords, adc, labels, instances, noiseOnly };
}

/** Complementary error function (Numerical Recipes' erfcc, relative error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x), t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}
