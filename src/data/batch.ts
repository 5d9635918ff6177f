// Batches and crops of labelled events, for training and evaluation.

import { IGNORE_LABEL, type LabelledEvent } from "./labelled-event.js";
import { InvalidInputError } from "../errors.js";
import type { SparseTensor } from "../tensor/sparse-tensor.js";

export interface Batch {
  tensor: SparseTensor;
  /** 5-class label per row (IGNORE_LABEL where unknown). */
  labels: Uint8Array;
  /** Loss weight per row. */
  weights: Float32Array;
  /** First row of each event, and the row count as last entry. */
  offsets: number[];
}

/** Joins events (same dim, spatial size, channels) into one tensor with a batch column. */
export function makeBatch(events: LabelledEvent[], weights: Float32Array[]): Batch {
  if (events.length === 0) throw new InvalidInputError("a batch needs at least one event");
  const first = events[0].tensor;
  let rows = 0;
  const offsets = [0];
  events.forEach((e, b) => {
    const t = e.tensor;
    if (t.dim !== first.dim || t.channels !== first.channels || t.spatialSize.some((s, a) => s !== first.spatialSize[a])) {
      throw new InvalidInputError(`event ${e.index} (batch slot ${b}) has dim ${t.dim}, size [${t.spatialSize}], ${t.channels} channel(s); the batch has ${first.dim}, [${first.spatialSize}], ${first.channels}`);
    }
    if (!e.labels) throw new InvalidInputError(`event ${e.index} has no labels`);
    if (t.batch) throw new InvalidInputError(`event ${e.index} is already a batch`);
    rows += t.coords.length / t.dim;
    offsets.push(rows);
  });
  const dim = first.dim, C = first.channels;
  const coords = new Int32Array(rows * dim), features = new Float32Array(rows * C), batch = new Int32Array(rows);
  const labels = new Uint8Array(rows), w = new Float32Array(rows);
  events.forEach((e, b) => {
    const o = offsets[b];
    coords.set(e.tensor.coords, o * dim);
    features.set(e.tensor.features, o * C);
    batch.fill(b, o, offsets[b + 1]);
    labels.set(e.labels!, o);
    w.set(weights[b], o);
  });
  return { tensor: { dim, spatialSize: [...first.spatialSize], channels: C, coords, features, batch }, labels, weights: w, offsets };
}

/** The sites of an event inside the box [origin, origin + size), shifted to the box's origin. */
export function cropEvent(ev: LabelledEvent, origin: number[], size: number[]): LabelledEvent {
  const t = ev.tensor, dim = t.dim, C = t.channels, n = t.coords.length / dim;
  const keep: number[] = [];
  for (let i = 0; i < n; i++) {
    let inside = true;
    for (let a = 0; a < dim; a++) {
      const v = t.coords[i * dim + a] - origin[a];
      if (v < 0 || v >= size[a]) { inside = false; break; }
    }
    if (inside) keep.push(i);
  }
  const coords = new Int32Array(keep.length * dim), features = new Float32Array(keep.length * C);
  const labels = ev.labels ? new Uint8Array(keep.length) : undefined;
  const instances = ev.instances ? new Int32Array(keep.length) : undefined;
  keep.forEach((i, r) => {
    for (let a = 0; a < dim; a++) coords[r * dim + a] = t.coords[i * dim + a] - origin[a];
    features.set(t.features.subarray(i * C, i * C + C), r * C);
    if (labels) labels[r] = ev.labels![i];
    if (instances) instances[r] = ev.instances![i];
  });
  return {
    index: ev.index, labels, instances, particles: ev.particles,
    tensor: { dim, spatialSize: [...size], channels: C, coords, features },
    meta: { ...ev.meta, cropOrigin: origin },
  };
}

/** A crop of `size` centred (as far as the event's bounds allow) on the row `centreRow`. */
export function cropAround(ev: LabelledEvent, centreRow: number, size: number[]): LabelledEvent {
  const t = ev.tensor;
  const origin = size.map((s, a) => {
    if (s > t.spatialSize[a]) throw new InvalidInputError(`crop size ${s} is larger than the event's size ${t.spatialSize[a]} along axis ${a}`);
    const c = t.coords[centreRow * t.dim + a] - Math.floor(s / 2);
    return Math.min(Math.max(c, 0), t.spatialSize[a] - s);
  });
  return cropEvent(ev, origin, size);
}

/** Rows whose label is known. */
export function labelledRows(ev: LabelledEvent): number {
  let n = 0;
  if (ev.labels) for (const l of ev.labels) if (l !== IGNORE_LABEL) n++;
  return n;
}
