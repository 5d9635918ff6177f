// A sparse event: the active rows of one or more images. Rows may repeat a coordinate (the engine
// sums their features, as SparseConvNet's InputLayer mode 3 does); outputs come back per row.

import { InvalidInputError } from "../errors.js";

export interface SparseTensor {
  /** Spatial dimension: 2 (wire-plane image) or 3 (voxels). */
  dim: 2 | 3;
  /** Size of the volume along each axis; coordinates lie in [0, size). */
  spatialSize: number[];
  /** int32 [nRows, dim], row-major: column i is spatial axis i. */
  coords: Int32Array;
  /** float32 [nRows, channels]. */
  features: Float32Array;
  /** Input channels per row. */
  channels: number;
  /** Event index of each row within a batch (int32 [nRows]); absent means one event. */
  batch?: Int32Array;
}

export function rowCount(t: SparseTensor): number {
  return t.coords.length / t.dim;
}

/** Largest size per axis the key packing supports. */
export const MAX_SPATIAL_SIZE = 1 << 20;

/** Checks a tensor completely (shapes, ranges, finiteness) and throws an InvalidInputError naming
 *  the first problem: the kernels never see input that could make them trap or misbehave. */
export function validateSparseTensor(t: SparseTensor, expect?: { dim?: number; channels?: number; divisor?: number }): void {
  if (t.dim !== 2 && t.dim !== 3) throw new InvalidInputError(`dim is ${t.dim}; only 2 and 3 are supported`);
  if (expect?.dim !== undefined && t.dim !== expect.dim) {
    throw new InvalidInputError(`event has dim ${t.dim} but the model is ${expect.dim}D`);
  }
  if (!(t.coords instanceof Int32Array)) throw new InvalidInputError("coords must be an Int32Array");
  if (!(t.features instanceof Float32Array)) throw new InvalidInputError("features must be a Float32Array");
  if (!Array.isArray(t.spatialSize) || t.spatialSize.length !== t.dim) {
    throw new InvalidInputError(`spatialSize ${JSON.stringify(t.spatialSize)} must have ${t.dim} entries (dim ${t.dim})`);
  }
  t.spatialSize.forEach((s, a) => {
    if (!Number.isInteger(s) || s < 1 || s > MAX_SPATIAL_SIZE) {
      throw new InvalidInputError(`spatialSize[${a}] = ${s} must be an integer in [1, ${MAX_SPATIAL_SIZE}]`);
    }
  });
  if (!Number.isInteger(t.channels) || t.channels < 1) throw new InvalidInputError(`channels = ${t.channels} must be a positive integer`);
  if (expect?.channels !== undefined && t.channels !== expect.channels) {
    throw new InvalidInputError(`event has ${t.channels} feature channel(s) per row but the model takes ${expect.channels}`);
  }
  if (t.coords.length % t.dim !== 0) {
    throw new InvalidInputError(`coords has ${t.coords.length} values, not a multiple of dim ${t.dim} (coordinates of the wrong dimension?)`);
  }
  const n = t.coords.length / t.dim;
  if (t.features.length !== n * t.channels) {
    throw new InvalidInputError(`features has ${t.features.length} values but ${n} rows x ${t.channels} channel(s) need ${n * t.channels}`);
  }
  const size = t.spatialSize;
  for (let r = 0; r < n; r++) {
    for (let a = 0; a < t.dim; a++) {
      const c = t.coords[r * t.dim + a];
      if (c < 0 || c >= size[a]) {
        throw new InvalidInputError(`row ${r}: coordinate ${a} = ${c} is outside [0, ${size[a]})`);
      }
    }
  }
  for (let i = 0; i < t.features.length; i++) {
    if (!Number.isFinite(t.features[i])) {
      throw new InvalidInputError(`row ${Math.floor(i / t.channels)}: feature ${i % t.channels} is ${t.features[i]} (features must be finite)`);
    }
  }
  if (t.batch !== undefined) {
    if (!(t.batch instanceof Int32Array)) throw new InvalidInputError("batch must be an Int32Array");
    if (t.batch.length !== n) throw new InvalidInputError(`batch has ${t.batch.length} entries for ${n} rows`);
    for (let r = 0; r < n; r++) {
      if (t.batch[r] < 0) throw new InvalidInputError(`row ${r}: batch index ${t.batch[r]} is negative`);
    }
  }
  const bits = keyBits(t, paddedSpatialSize(t.spatialSize, expect?.divisor ?? 1));
  if (bits > 62) {
    throw new InvalidInputError(`batch count x volume needs ${bits} bits; the site keys hold at most 62`);
  }
}

/** The spatial size every level of a U-Net of 2^(depth-1) = `divisor` works in: each axis rounded
 *  up to a multiple of it, so that every level halves it exactly. SparseConvNet refuses other sizes;
 *  here a size is only a bound on the coordinates (no site lies in the padding), so any size is
 *  accepted, and sizes that divide already are used as they are (the same keys, the same bits). */
export function paddedSpatialSize(size: number[], divisor: number): number[] {
  return size.map((s) => Math.ceil(s / divisor) * divisor);
}

/** Number of bits the packed (batch, coords) keys of this tensor can need, in a grid of `size`. */
export function keyBits(t: SparseTensor, size: number[] = t.spatialSize): number {
  let maxBatch = 0;
  if (t.batch) for (let i = 0; i < t.batch.length; i++) if (t.batch[i] > maxBatch) maxBatch = t.batch[i];
  let bits = Math.ceil(Math.log2(maxBatch + 1));
  for (const s of size) bits += Math.ceil(Math.log2(s));
  return Math.max(bits, 1);
}
