// Loading model files and configs from disk (Node only).

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { resourceRoot } from "./resource-root.js";
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

/** Names of the models shipped in the repository's models/ folder (trained by `sparsessnet train`
 *  on the project's simulation; see models/README.md for their cards). */
export const BUILTIN_MODELS = ["default-2d", "default-3d"] as const;

/** The models/ folder (see resourceRoot), or $SPARSESSNET_MODELS. */
export function modelsDir(): string {
  return process.env.SPARSESSNET_MODELS ?? join(resourceRoot(), "models");
}

/** A model by built-in name (default-2d, default-3d) or by file path. */
export function loadModel(nameOrPath: string, configPath?: string): ModelFile & { source: string } {
  if ((BUILTIN_MODELS as readonly string[]).includes(nameOrPath)) {
    const file = join(modelsDir(), `${nameOrPath}.safetensors`);
    if (!existsSync(file)) throw new InvalidConfigError(`built-in model "${nameOrPath}" is not installed (${file} is missing)`);
    return { ...loadModelFile(file, configPath), source: nameOrPath };
  }
  if (!existsSync(nameOrPath)) {
    throw new InvalidConfigError(`model "${nameOrPath}" is neither a built-in model (${BUILTIN_MODELS.join(", ")}) nor an existing file`);
  }
  return { ...loadModelFile(nameOrPath, configPath), source: nameOrPath };
}
