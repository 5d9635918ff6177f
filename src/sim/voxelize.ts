// 3D voxelisation: deposits (cm) -> a cube of voxels, with transverse smearing that conserves
// energy, each voxel labelled by the particle (and class) that left most energy in it.

import type { Deposits } from "./deposits.js";
import { N_CLASSES, trackShowerOf } from "../data/labelled-event.js";

export interface Voxels {
  coords: Int32Array;
  energy: Float32Array;
  labels: Uint8Array;
  instances: Int32Array;
  /** Share of each voxel's energy from contributors in its label's track/shower group. */
  trackShowerPurity: Float32Array;
  /** Share of each voxel's energy from contributors of its label's class (of the five). */
  classPurity: Float32Array;
  /** Energy that fell inside the cube (after smearing). */
  energyInside: number;
}

/** Normalised 1D Gaussian weights over [-r, r]; they sum to 1, so smearing conserves energy. */
export function smearingKernel(sigma: number): number[] {
  if (sigma <= 0) return [1];
  const r = Math.max(1, Math.ceil(2 * sigma));
  const w = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-0.5 * ((i - r) / sigma) ** 2));
  const s = w.reduce((a, b) => a + b, 0);
  return w.map((v) => v / s);
}

/** Voxelises deposits into a cube of `size` voxels of `voxelCm`, smearing each deposit over the
 *  two axes transverse to the drift axis (axis 0) with a Gaussian of `sigma` voxels. Voxels below
 *  `threshold` MeV are dropped. Coordinates come out sorted (axis 0 slowest) and unique. */
export function voxelize(d: Deposits, size: number, voxelCm: number, sigma: number, threshold: number): Voxels {
  const kern = smearingKernel(sigma), r = (kern.length - 1) / 2;
  // Per voxel: energy per (class, instance) contributor. Most voxels have one contributor.
  const energy = new Map<number, number>();
  const best = new Map<number, Map<number, number>>(); // voxel -> (instance*8+label -> energy)
  let inside = 0;
  const add = (key: number, e: number, who: number) => {
    energy.set(key, (energy.get(key) ?? 0) + e);
    let m = best.get(key);
    if (!m) best.set(key, m = new Map());
    m.set(who, (m.get(who) ?? 0) + e);
  };
  for (let i = 0; i < d.n; i++) {
    const vx = Math.floor(d.x[i] / voxelCm), vy = Math.floor(d.y[i] / voxelCm), vz = Math.floor(d.z[i] / voxelCm);
    if (vx < 0 || vx >= size) continue;
    const who = d.id[i] * 8 + d.label[i];
    for (let a = -r; a <= r; a++) {
      const y = vy + a;
      if (y < 0 || y >= size) continue;
      for (let b = -r; b <= r; b++) {
        const z = vz + b;
        if (z < 0 || z >= size) continue;
        const e = d.e[i] * kern[a + r] * kern[b + r];
        inside += e;
        add((vx * size + y) * size + z, e, who);
      }
    }
  }
  const keys = [...energy.keys()].filter((k) => energy.get(k)! >= threshold).sort((a, b) => a - b);
  const n = keys.length;
  const coords = new Int32Array(3 * n), en = new Float32Array(n), labels = new Uint8Array(n), instances = new Int32Array(n);
  const purity = new Float32Array(n), classPurity = new Float32Array(n);
  keys.forEach((k, i) => {
    coords[3 * i] = Math.floor(k / (size * size));
    coords[3 * i + 1] = Math.floor(k / size) % size;
    coords[3 * i + 2] = k % size;
    en[i] = energy.get(k)!;
    let top = -1, topE = -1;
    for (const [who, e] of best.get(k)!) if (e > topE || (e === topE && who < top)) { top = who; topE = e; }
    labels[i] = top % 8;
    instances[i] = Math.floor(top / 8);
    let same = 0, sameClass = 0;
    for (const [who, e] of best.get(k)!) {
      if (trackShowerOf(who % 8) === trackShowerOf(labels[i])) same += e;
      if (who % 8 === labels[i]) sameClass += e;
    }
    purity[i] = same / energy.get(k)!;
    classPurity[i] = sameClass / energy.get(k)!;
  });
  if (labels.some((l) => l >= N_CLASSES)) throw new Error("internal: label out of range");
  return { coords, energy: en, labels, instances, trackShowerPurity: purity, classPurity, energyInside: inside };
}
