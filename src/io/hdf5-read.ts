// Reading HDF5 through h5wasm (libhdf5 in wasm; the Node build reads the file on disk directly,
// so a dataset's elements are fetched one slice at a time: files larger than memory stream).

import * as h5wasmNs from "h5wasm/node";
import { Dataset as H5DatasetClass, File as H5FileClass } from "h5wasm/node";
import { existsSync } from "node:fs";
import { InvalidInputError } from "../errors.js";

// h5wasm's Node build may come as a default export under ESM: take the API from wherever it is.
const api = ((h5wasmNs as unknown as { default?: unknown }).default ?? h5wasmNs) as { ready: Promise<unknown>; File: typeof H5FileClass; Dataset: typeof H5DatasetClass };
await api.ready;
const h5wasm = api;

export type H5File = H5FileClass;
export type H5Dataset = H5DatasetClass;

export function openH5(path: string): H5File {
  if (!existsSync(path)) throw new InvalidInputError(`${path} does not exist`);
  let f: H5File;
  try {
    f = new h5wasm.File(path, "r");
  } catch (e) {
    throw new InvalidInputError(`${path}: not a readable HDF5 file (${(e as Error).message})`);
  }
  if (f.file_id < 0n) throw new InvalidInputError(`${path}: not a readable HDF5 file (truncated or corrupt?)`);
  return f;
}

export function dataset(f: H5File, name: string, path: string): H5Dataset {
  let d: unknown;
  try { d = f.get(name); } catch (e) {
    throw new InvalidInputError(`${path}: dataset "${name}" cannot be read (${(e as Error).message})`);
  }
  if (!(d instanceof h5wasm.Dataset)) throw new InvalidInputError(`${path}: no dataset "${name}"`);
  return d;
}

/** Element i of a one-dimensional vlen dataset, as a typed array. */
export function vlenElement(d: H5Dataset, i: number, what: string): ArrayLike<number> {
  let v: unknown;
  try { v = d.slice([[i, i + 1]]); } catch (e) {
    throw new InvalidInputError(`${what}: element ${i} cannot be read (${(e as Error).message}; truncated file?)`);
  }
  const el = Array.isArray(v) ? v[0] : undefined;
  if (!el || typeof (el as ArrayLike<number>).length !== "number") throw new InvalidInputError(`${what}: element ${i} is not a variable-length numeric array`);
  return el as ArrayLike<number>;
}

export function datasetLength(d: H5Dataset, what: string): number {
  const s = d.shape;
  if (!s || s.length !== 1) throw new InvalidInputError(`${what}: expected a one-dimensional dataset (one entry per event), shape is ${JSON.stringify(s)}`);
  return s[0];
}

export function keys(f: H5File): string[] {
  return f.keys();
}
