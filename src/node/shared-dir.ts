import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The shared folder beside the project (bench events, SparseConvNet timings, conformance cases),
 *  or $SPARSESSNET_SHARED. This file lives in dist/src/node/. */
export function sharedDir(): string {
  return process.env.SPARSESSNET_SHARED ?? join(resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", ".."), "..", "shared");
}
