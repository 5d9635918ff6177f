import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root (tests run from dist/test/...). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** The shared folder beside the project (conformance cases, bench events), or $SPARSESSNET_SHARED. */
export function sharedDir(): string {
  return process.env.SPARSESSNET_SHARED ?? join(PROJECT_ROOT, "..", "shared");
}
