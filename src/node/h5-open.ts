// Opening HDF5 files in Node with h5wasm's Node build, which reads the file on disk directly: a
// dataset's elements are fetched one slice at a time, so files larger than memory stream.
import { existsSync } from "node:fs";
import * as h5wasmNs from "h5wasm/node";
import type { File as H5FileClass } from "h5wasm/node";
import { InvalidInputError } from "../errors.js";
import type { H5File } from "../io/hdf5-read.js";

// h5wasm's Node build may come as a default export under ESM: take the API from wherever it is.
const api = ((h5wasmNs as unknown as { default?: unknown }).default ?? h5wasmNs) as { ready: Promise<{ activate_throwing_error_handler(): void }>; File: typeof H5FileClass };
// HDF5's error stack becomes exceptions (instead of text on stderr and a negative id).
(await api.ready).activate_throwing_error_handler();

/** The innermost message of an HDF5 error stack ("truncated file: eof = ..."), else the text. */
export function hdf5Reason(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const frames = [...text.matchAll(/in (\w+)\(\): ([^\n]*)/g)];
  return frames.length ? frames[frames.length - 1][2].trim() : text.split("\n")[0];
}

export function openH5(path: string): H5File {
  if (!existsSync(path)) throw new InvalidInputError(`${path} does not exist`);
  let f: H5FileClass;
  try {
    f = new api.File(path, "r");
  } catch (e) {
    throw new InvalidInputError(`${path}: not a readable HDF5 file (${hdf5Reason(e)}; corrupt or truncated?)`);
  }
  if (f.file_id < 0n) throw new InvalidInputError(`${path}: not a readable HDF5 file (truncated or corrupt?)`);
  return f as unknown as H5File;
}
