import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The shared folder beside the project (bench events, SparseConvNet timings), or $SPARSESSNET_SHARED. */
export function sharedDir(): string {
  return process.env.SPARSESSNET_SHARED ?? join(resolve(dirname(fileURLToPath(import.meta.url)), "..", ".."), "..", "shared");
}
