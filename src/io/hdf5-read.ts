// Reading HDF5 datasets through h5wasm objects (libhdf5 in wasm). Browser-safe: the file is opened
// by src/node/h5-open.ts in Node (read on disk directly, one slice at a time, so large files stream)
// or from an in-memory copy in the browser (web/app.ts).

import type { Dataset as H5DatasetClass, File as H5FileClass } from "h5wasm";
import { InvalidInputError } from "../errors.js";

export type H5File = H5FileClass;
export type H5Dataset = H5DatasetClass;

export function dataset(f: H5File, name: string, path: string): H5Dataset {
  let d: unknown;
  try { d = f.get(name); } catch (e) {
    throw new InvalidInputError(`${path}: dataset "${name}" cannot be read (${(e as Error).message})`);
  }
  // Duck-typed: the Node and browser builds of h5wasm have distinct Dataset classes.
  if (!d || typeof (d as H5Dataset).slice !== "function" || !("shape" in (d as object))) throw new InvalidInputError(`${path}: no dataset "${name}"`);
  return d as H5Dataset;
}

/** Element i of a one-dimensional vlen dataset, as a typed array. */
export function vlenElement(d: H5Dataset, i: number, what: string): ArrayLike<number> {
  let v: unknown;
  try { v = d.slice([[i, i + 1]]); } catch (e) {
    const msg = (e as Error).message ?? String(e);
    throw new InvalidInputError(`${what}: element ${i} cannot be read (${msg.split("\n").filter((l) => /\(\): /.test(l)).pop()?.trim() ?? msg.split("\n")[0]}; truncated file?)`);
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
