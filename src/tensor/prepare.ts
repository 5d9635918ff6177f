// Input preparation, as SparseSSNet does it before the network: keep only the pixels whose value
// lies inside a threshold window (MicroBooNE: 10 <= ADC <= 300), drop NaN and zero sites. Duplicate
// coordinates are kept as separate rows: the engine sums them (InputLayer mode 3) and reports
// outputs per row.

import { InvalidInputError } from "../errors.js";
import type { SparseTensor } from "./sparse-tensor.js";

export interface PrepareOptions {
  /** Keep a row only if min <= value <= max (value = its first feature). */
  window?: { min: number; max: number };
}

export interface Prepared {
  tensor: SparseTensor;
  /** For each kept row, its row index in the original input. */
  keptRows: Int32Array;
}

/** Drops rows whose features are NaN or all zero, and rows outside the threshold window. */
export function prepareSparse(t: SparseTensor, options: PrepareOptions = {}): Prepared {
  const { window } = options;
  if (window && !(window.min <= window.max)) throw new InvalidInputError(`threshold window [${window.min}, ${window.max}] is empty`);
  const n = t.coords.length / t.dim;
  const C = t.channels;
  const keep: number[] = [];
  for (let r = 0; r < n; r++) {
    let nan = false, allZero = true;
    for (let c = 0; c < C; c++) {
      const v = t.features[r * C + c];
      if (Number.isNaN(v)) nan = true;
      if (v !== 0) allZero = false;
    }
    if (nan || allZero) continue;
    const v0 = t.features[r * C];
    if (window && !(v0 >= window.min && v0 <= window.max)) continue;
    keep.push(r);
  }
  const keptRows = Int32Array.from(keep);
  const coords = new Int32Array(keep.length * t.dim);
  const features = new Float32Array(keep.length * C);
  const batch = t.batch ? new Int32Array(keep.length) : undefined;
  keep.forEach((r, i) => {
    coords.set(t.coords.subarray(r * t.dim, (r + 1) * t.dim), i * t.dim);
    features.set(t.features.subarray(r * C, (r + 1) * C), i * C);
    if (batch) batch[i] = t.batch![r];
  });
  return { tensor: { dim: t.dim, spatialSize: [...t.spatialSize], coords, features, channels: C, batch }, keptRows };
}

/** Sparse tensor of the pixels of a dense 2D image (row-major [height][width], axis 0 = row) that
 *  pass the window, NaN and zero pixels dropped. */
export function sparseFromImage(
  image: Float32Array | Float64Array | number[], height: number, width: number, options: PrepareOptions = {},
): SparseTensor {
  if (image.length !== height * width) {
    throw new InvalidInputError(`image has ${image.length} pixels, expected ${height} x ${width} = ${height * width}`);
  }
  const { window } = options;
  const coords: number[] = [];
  const values: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = image[y * width + x];
      if (Number.isNaN(v) || v === 0) continue;
      if (window && !(v >= window.min && v <= window.max)) continue;
      coords.push(y, x);
      values.push(v);
    }
  }
  return { dim: 2, spatialSize: [height, width], coords: Int32Array.from(coords), features: Float32Array.from(values), channels: 1 };
}
