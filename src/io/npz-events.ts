// Events in a NumPy .npz (browser-safe: works on the file's bytes).
import type { LabelledEvent } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";
import { parseNpz, type NpyArray } from "./npy.js";

/** npz: coords (N, dim), features (N,) or (N, C), optional labels (N,), instances (N,),
 *  spatial_size (dim,), and for several events event_offsets (E + 1,). */
export function npzEvents(bytes: Uint8Array, path: string): { count: number; format: string; read(i: number): LabelledEvent; close(): void } {
  const arrays = parseNpz(bytes, path);
  const need = (name: string): NpyArray => {
    const a = arrays.get(name);
    if (!a) throw new InvalidInputError(`${path}: no "${name}" array (an event npz holds coords, features, spatial_size[, labels, instances, event_offsets])`);
    return a;
  };
  const coords = need("coords"), features = need("features"), size = Array.from(need("spatial_size").data as ArrayLike<number>, Number);
  if (coords.shape.length !== 2 || (coords.shape[1] !== 2 && coords.shape[1] !== 3)) throw new InvalidInputError(`${path}: coords has shape (${coords.shape}), expected (N, 2) or (N, 3)`);
  const [n, dim] = coords.shape;
  if (size.length !== dim) throw new InvalidInputError(`${path}: spatial_size has ${size.length} entries for ${dim}D coords`);
  if (features.shape[0] !== n) throw new InvalidInputError(`${path}: features has ${features.shape[0]} rows, coords ${n}`);
  const C = features.shape.length === 1 ? 1 : features.shape[1];
  const c = Int32Array.from(coords.data as ArrayLike<number>, Number), f = Float32Array.from(features.data as ArrayLike<number>, Number);
  const lab = arrays.get("labels"), inst = arrays.get("instances");
  for (const [name, a] of [["labels", lab], ["instances", inst]] as const) if (a && a.data.length !== n) throw new InvalidInputError(`${path}: ${name} has ${a.data.length} entries, coords ${n} rows`);
  const offs = arrays.get("event_offsets");
  const offsets = offs ? Array.from(offs.data as ArrayLike<number>, Number) : [0, n];
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== n || offsets.some((v, i) => i > 0 && v < offsets[i - 1])) {
    throw new InvalidInputError(`${path}: event_offsets must rise from 0 to the number of rows ${n}`);
  }
  const read = (i: number): LabelledEvent => {
    if (!Number.isInteger(i) || i < 0 || i >= offsets.length - 1) throw new InvalidInputError(`${path}: event ${i} out of range [0, ${offsets.length - 1})`);
    const a = offsets[i], b = offsets[i + 1];
    return {
      index: i,
      tensor: { dim: dim as 2 | 3, spatialSize: size, channels: C, coords: c.slice(a * dim, b * dim), features: f.slice(a * C, b * C) },
      labels: lab ? Uint8Array.from(Array.from(lab.data as ArrayLike<number>, Number).slice(a, b)) : undefined,
      instances: inst ? Int32Array.from(Array.from(inst.data as ArrayLike<number>, Number).slice(a, b)) : undefined,
    };
  };
  return { count: offsets.length - 1, format: "npz", read, close: () => {} };
}
