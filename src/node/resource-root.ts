import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Where models/ and samples/ are: beside the running portable bundle (dist/bundle/), or the
 *  package root (this file compiles to dist/src/node/), or $SPARSESSNET_HOME. */
export function resourceRoot(): string {
  if (process.env.SPARSESSNET_HOME) return process.env.SPARSESSNET_HOME;
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, "models")) || existsSync(join(here, "samples"))) return here;
  return resolve(here, "..", "..", "..");
}
