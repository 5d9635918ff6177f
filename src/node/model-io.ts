// Loading model files and configs from disk (Node only).

import { readFileSync } from "node:fs";
import { InvalidConfigError } from "../errors.js";
import { readModelFile, type ModelFile } from "../weights/model-file.js";

export function readJson(path: string, what: string): unknown {
  let text: string;
  try { text = readFileSync(path, "utf8"); } catch (e) {
    throw new InvalidConfigError(`${what} ${path}: ${(e as Error).message}`);
  }
  try { return JSON.parse(text); } catch (e) {
    throw new InvalidConfigError(`${what} ${path} is not JSON: ${(e as Error).message}`);
  }
}

/** Reads a model file; the config comes from `configPath` if given, else from the file. A config
 *  file may be a bare config or a conformance manifest (its "model" object is used). */
export function loadModelFile(weightsPath: string, configPath?: string): ModelFile {
  let config: unknown;
  if (configPath) {
    const j = readJson(configPath, "config") as Record<string, unknown>;
    config = j.model && typeof j.model === "object" ? { dim: j.dim, ...pickConfig(j.model as Record<string, unknown>) } : j;
  }
  return readModelFile(new Uint8Array(readFileSync(weightsPath)), config, weightsPath);
}

const CONFIG_KEYS = ["filters", "depth", "reps", "planes", "inputChannels", "classes", "bnEps", "leakiness", "finalLeakiness", "inputKernel", "residualBlocks"];
function pickConfig(m: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(CONFIG_KEYS.filter((k) => m[k] !== undefined).map((k) => [k, m[k]]));
}
