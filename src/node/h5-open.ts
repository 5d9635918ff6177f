// Opening HDF5 files in Node with h5wasm's Node build, which reads the file on disk directly: a
// dataset's elements are fetched one slice at a time, so files larger than memory stream.
import { existsSync } from "node:fs";
import * as h5wasmNs from "h5wasm/node";
import type { File as H5FileClass } from "h5wasm/node";
import { InvalidInputError } from "../errors.js";
import type { H5File } from "../io/hdf5-read.js";

// h5wasm's Node build may come as a default export under ESM: take the API from wherever it is.
const api = ((h5wasmNs as unknown as { default?: unknown }).default ?? h5wasmNs) as { ready: Promise<unknown>; File: typeof H5FileClass };
await api.ready;

export function openH5(path: string): H5File {
  if (!existsSync(path)) throw new InvalidInputError(`${path} does not exist`);
  let f: H5FileClass;
  try {
    f = new api.File(path, "r");
  } catch (e) {
    throw new InvalidInputError(`${path}: not a readable HDF5 file (${(e as Error).message})`);
  }
  if (f.file_id < 0n) throw new InvalidInputError(`${path}: not a readable HDF5 file (truncated or corrupt?)`);
  return f as unknown as H5File;
}
