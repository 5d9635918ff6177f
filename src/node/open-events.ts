// Opening event files by format: HDF5 (PILArNet-M or sparsessnet layout, streamed event by
// event), NumPy .npz (one or many events) and .npy (a dense 2D image), safetensors (one event,
// optional labels/instances), or a folder holding event.safetensors.

import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import type { LabelledEvent } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";
import { sparseFromImage } from "../tensor/prepare.js";
import { parseSafetensors, typed } from "../weights/safetensors.js";
import { openH5 } from "./h5-open.js";
import { eventsFileKind } from "../io/events-file-kind.js";
import { parseNpy } from "../io/npy.js";
import { npzEvents } from "../io/npz-events.js";
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

export function openEventFile(path: string, o: OpenOptions = {}): EventFileReader {
  if (!existsSync(path)) throw new InvalidInputError(`${path} does not exist`);
  if (statSync(path).isDirectory()) return single(safetensorsEvent(path), "safetensors");
  const head = new Uint8Array(8);
  const fd = openSync(path, "r");
  try { readSync(fd, head, 0, 8, 0); } finally { closeSync(fd); }
  const kind = eventsFileKind(head, path);
  if (kind === "hdf5") return openHdf5(path, o);
  if (kind === "npz") return npzEvents(new Uint8Array(readFileSync(path)), path);
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

