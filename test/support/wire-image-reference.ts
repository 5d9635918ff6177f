// The straightforward wire-plane projection, one Map entry per pixel and a Map of contributors per
// pixel, kept as the reference the engine's wireImage (flat arrays, no per-pixel Maps) must match
// bit for bit: same pixels, same ADC, same labels, and the same random draws in the same order.

import { IGNORE_LABEL } from "../../src/data/labelled-event.js";
import type { Deposits } from "../../src/sim/deposits.js";
import type { Random } from "../../src/sim/random.js";
import { erfc, TICK_CM, WIRE_PITCH_CM, wireCoordinate, type WireImage, type WireImageOptions } from "../../src/sim/wire-planes.js";

const TIME_SPREAD = [0.25, 0.5, 0.25];

// (It predates the track/shower and class purities, which the new code adds; the pixels and draws are what it checks.)
export function wireImageReference(d: Deposits, rnd: Random, o: WireImageOptions): Omit<WireImage, "trackShowerPurity" | "classPurity"> {
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

