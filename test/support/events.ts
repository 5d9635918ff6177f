// Small synthetic events for tests: random walks (track-like, locally dense), seeded.

import type { SparseTensor } from "../../src/tensor/sparse-tensor.js";
import { rng } from "../../src/weights/random-init.js";

export function randomWalkEvent(opts: { dim: 2 | 3; size: number; sites: number; seed: number; channels?: number; batch?: number; duplicates?: number }): SparseTensor {
  const u = rng(opts.seed);
  const { dim, size } = opts;
  const C = opts.channels ?? 1;
  const nb = opts.batch ?? 1;
  const coords: number[] = [];
  const batch: number[] = [];
  const seen = new Set<string>();
  for (let b = 0; b < nb; b++) {
    let p = Array.from({ length: dim }, () => Math.floor(u() * size));
    let count = 0, guard = 0;
    while (count < opts.sites && guard++ < opts.sites * 50) {
      const a = Math.floor(u() * dim);
      p = p.slice();
      p[a] = Math.min(size - 1, Math.max(0, p[a] + (u() < 0.5 ? -1 : 1)));
      if (u() < 0.02) p = Array.from({ length: dim }, () => Math.floor(u() * size));
      const k = `${b}:${p.join(",")}`;
      if (seen.has(k)) continue;
      seen.add(k);
      coords.push(...p);
      batch.push(b);
      count++;
    }
  }
  // Duplicate some rows (same site, other feature values) at random positions.
  const n0 = coords.length / dim;
  for (let d = 0; d < (opts.duplicates ?? 0) && n0 > 0; d++) {
    const r = Math.floor(u() * n0);
    coords.push(...coords.slice(r * dim, (r + 1) * dim));
    batch.push(batch[r]);
  }
  const n = coords.length / dim;
  const features = new Float32Array(n * C);
  for (let i = 0; i < features.length; i++) features[i] = 0.1 + 2 * u();
  return {
    dim, spatialSize: new Array(dim).fill(size), coords: Int32Array.from(coords), features, channels: C,
    batch: nb > 1 ? Int32Array.from(batch) : undefined,
  };
}
