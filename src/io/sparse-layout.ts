// sparsessnet's own HDF5 layout for sparse events of any dimension (2D wire-plane images, 3D):
// one entry per event in each vlen dataset
//   coords     int32 (N * dim, row-major [N, dim])   features  float32 (N * C)
//   labels     uint8 (N; 255 = no class)              instances int32 (N; -1 = none)
// and fixed datasets spatial_size int32 [dim] and channels int32 [1]. Read with h5py as
// f["coords"][i].reshape(-1, dim).

import { IGNORE_LABEL, type LabelledEvent } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";
import { dataset, datasetLength, vlenElement, type H5File } from "./hdf5-read.js";
import type { Hdf5VlenWriter } from "./hdf5-vlen-writer.js";

export const SPARSE_DATASETS = ["coords", "features", "labels", "instances"] as const;

export class SparseLayoutReader {
  readonly count: number;
  private readonly ds;
  private readonly size: number[];
  private readonly channels: number;

  constructor(f: H5File, private readonly path: string) {
    this.ds = Object.fromEntries(SPARSE_DATASETS.map((n) => [n, f.keys().includes(n) ? dataset(f, n, path) : undefined]));
    if (!this.ds.coords || !this.ds.features) throw new InvalidInputError(`${path}: the sparsessnet layout needs "coords" and "features"`);
    this.count = datasetLength(this.ds.coords, `${path}:coords`);
    for (const n of SPARSE_DATASETS) {
      const d = this.ds[n];
      if (d && datasetLength(d, `${path}:${n}`) !== this.count) throw new InvalidInputError(`${path}: "${n}" has ${datasetLength(d, n)} events, "coords" has ${this.count}`);
    }
    this.size = Array.from(dataset(f, "spatial_size", path).value as ArrayLike<number>, Number);
    if (this.size.length !== 2 && this.size.length !== 3) throw new InvalidInputError(`${path}: spatial_size has ${this.size.length} entries; 2 or 3 expected`);
    this.channels = f.keys().includes("channels") ? Number((dataset(f, "channels", path).value as ArrayLike<number>)[0]) : 1;
  }

  read(i: number): LabelledEvent {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new InvalidInputError(`${this.path}: event ${i} out of range [0, ${this.count})`);
    const dim = this.size.length as 2 | 3, what = `${this.path}: event ${i}`;
    const c = vlenElement(this.ds.coords!, i, `${this.path}:coords`), f = vlenElement(this.ds.features!, i, `${this.path}:features`);
    if (c.length % dim !== 0) throw new InvalidInputError(`${what}: coords has ${c.length} values, not a multiple of ${dim}`);
    const n = c.length / dim;
    if (f.length !== n * this.channels) throw new InvalidInputError(`${what}: features has ${f.length} values for ${n} sites x ${this.channels} channel(s)`);
    const opt = (name: "labels" | "instances") => {
      const d = this.ds[name];
      if (!d) return undefined;
      const v = vlenElement(d, i, `${this.path}:${name}`);
      if (v.length !== n) throw new InvalidInputError(`${what}: ${name} has ${v.length} values for ${n} sites`);
      return v;
    };
    const l = opt("labels"), inst = opt("instances");
    return {
      index: i,
      tensor: { dim, spatialSize: [...this.size], channels: this.channels, coords: Int32Array.from(c), features: Float32Array.from(f) },
      labels: l ? Uint8Array.from(l) : undefined, instances: inst ? Int32Array.from(inst) : undefined,
    };
  }
}

export function declareSparseLayout(w: Hdf5VlenWriter): void {
  w.declareVlen("coords", "i32");
  w.declareVlen("features", "f32");
  w.declareVlen("labels", "u8");
  w.declareVlen("instances", "i32");
}

export function appendSparseEvent(w: Hdf5VlenWriter, ev: LabelledEvent): void {
  const n = ev.tensor.coords.length / ev.tensor.dim;
  w.append("coords", ev.tensor.coords);
  w.append("features", ev.tensor.features);
  w.append("labels", ev.labels ?? new Uint8Array(n).fill(IGNORE_LABEL));
  w.append("instances", ev.instances ?? new Int32Array(n).fill(-1));
}
