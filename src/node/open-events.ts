// Opening event files by format: HDF5 (PILArNet-M or sparsessnet layout, streamed event by
// event), NumPy .npz (one or many events) and .npy (a dense 2D image), safetensors (one event,
// optional labels/instances), or a folder holding event.safetensors.

import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import type { LabelledEvent } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";
import { sparseFromImage } from "../tensor/prepare.js";
import { parseSafetensors, typed } from "../weights/safetensors.js";
import { openH5 } from "../io/hdf5-read.js";
import { parseNpy, parseNpz, type NpyArray } from "../io/npy.js";
import { PilarnetReader, type LowEnergyMapping } from "../io/pilarnet.js";
import { SparseLayoutReader } from "../io/sparse-layout.js";
import { readEventFile } from "./event-file.js";

export interface EventFileReader {
  count: number;
  format: string;
  read(i: number): LabelledEvent;
  close(): void;
}

export interface OpenOptions {
  /** PILArNet-M low-energy deposits: labelled shower (default) or ignored. */
  lowEnergy?: LowEnergyMapping;
  /** Cube side of PILArNet-M files without spatial_size (768). */
  pilarnetSize?: number;
  /** Dense .npy images: keep pixels in [min, max] (default: every non-zero pixel). */
  window?: { min: number; max: number };
}

const HDF5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function openEventFile(path: string, o: OpenOptions = {}): EventFileReader {
  if (!existsSync(path)) throw new InvalidInputError(`${path} does not exist`);
  if (statSync(path).isDirectory()) return single(safetensorsEvent(path), "safetensors");
  const head = new Uint8Array(8);
  const fd = openSync(path, "r");
  try { readSync(fd, head, 0, 8, 0); } finally { closeSync(fd); }
  if (HDF5_MAGIC.every((b, i) => head[i] === b) || /\.(h5|hdf5)$/i.test(path)) return openHdf5(path, o);
  if (/\.npz$/i.test(path)) return npzEvents(path);
  if (/\.npy$/i.test(path)) return single(npyImage(path, o), "npy");
  if (/\.safetensors$/i.test(path)) return single(safetensorsEvent(path), "safetensors");
  throw new InvalidInputError(`${path}: unknown event file format (expected .h5/.hdf5, .npz, .npy, .safetensors or an event folder)`);
}

function openHdf5(path: string, o: OpenOptions): EventFileReader {
  const f = openH5(path);
  try {
    const k = f.keys();
    let reader: { count: number; read(i: number): LabelledEvent };
    let format: string;
    if (k.includes("point") && k.includes("cluster")) { reader = new PilarnetReader(f, path, o.lowEnergy, o.pilarnetSize); format = "hdf5 pilarnet-m"; }
    else if (k.includes("coords")) { reader = new SparseLayoutReader(f, path); format = "hdf5 sparsessnet"; }
    else throw new InvalidInputError(`${path}: HDF5 file with datasets [${k.join(", ")}]: neither the PILArNet-M layout (point, cluster, cluster_extra) nor sparsessnet's (coords, features, ...)`);
    return { count: reader.count, format, read: (i) => reader.read(i), close: () => { f.close(); } };
  } catch (e) {
    f.close();
    throw e;
  }
}

function single(ev: LabelledEvent, format: string): EventFileReader {
  return {
    count: 1, format,
    read: (i) => { if (i !== 0) throw new InvalidInputError(`the file holds one event; event ${i} does not exist`); return ev; },
    close: () => {},
  };
}

function safetensorsEvent(path: string): LabelledEvent {
  const ev = readEventFile(path);
  const f = parseSafetensors(new Uint8Array(readFileSync(ev.path)), ev.path);
  const n = ev.tensor.coords.length / ev.tensor.dim;
  const num = (name: string) => {
    const raw = f.tensors.get(name);
    if (!raw) return undefined;
    const v = Array.from(typed(raw, name, ["U8", "I32", "I64"]).data as ArrayLike<number | bigint>, Number);
    if (v.length !== n) throw new InvalidInputError(`${ev.path}: ${name} has ${v.length} entries for ${n} rows`);
    return v;
  };
  const labels = num("labels"), instances = num("instances");
  return { index: 0, tensor: ev.tensor, labels: labels ? Uint8Array.from(labels) : undefined, instances: instances ? Int32Array.from(instances) : undefined, meta: ev.manifest };
}

function npyImage(path: string, o: OpenOptions): LabelledEvent {
  const a = parseNpy(new Uint8Array(readFileSync(path)), path);
  if (a.shape.length !== 2) throw new InvalidInputError(`${path}: a .npy event is a dense 2D image (H, W); this array has shape (${a.shape.join(", ")})`);
  const img = Float32Array.from(a.data as ArrayLike<number>, Number);
  return { index: 0, tensor: sparseFromImage(img, a.shape[0], a.shape[1], o.window ? { window: o.window } : {}) };
}

/** npz: coords (N, dim), features (N,) or (N, C), optional labels (N,), instances (N,),
 *  spatial_size (dim,), and for several events event_offsets (E + 1,). */
function npzEvents(path: string): EventFileReader {
  const arrays = parseNpz(new Uint8Array(readFileSync(path)), path);
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
