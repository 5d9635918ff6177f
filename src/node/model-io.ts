// Loading model files and configs from disk (Node only).

import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { join } from "node:path";
import { resourceRoot } from "./resource-root.js";
import type { Engine, Model } from "../engine.js";
import { InvalidConfigError, InvalidWeightsError } from "../errors.js";
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
  return readModelFile(new Uint8Array(readFileSync(weightsPath)), configOverride(configPath), weightsPath);
}

function configOverride(configPath: string | undefined): unknown {
  if (!configPath) return undefined;
  const j = readJson(configPath, "config") as Record<string, unknown>;
  return j.model && typeof j.model === "object" ? { dim: j.dim, ...pickConfig(j.model as Record<string, unknown>) } : j;
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

/** The file of a model given by built-in name (default-2d, default-3d) or by path. */
export function modelPath(nameOrPath: string): string {
  if ((BUILTIN_MODELS as readonly string[]).includes(nameOrPath)) {
    const file = join(modelsDir(), `${nameOrPath}.safetensors`);
    if (!existsSync(file)) throw new InvalidConfigError(`built-in model "${nameOrPath}" is not installed (${file} is missing)`);
    return file;
  }
  if (!existsSync(nameOrPath)) {
    throw new InvalidConfigError(`model "${nameOrPath}" is neither a built-in model (${BUILTIN_MODELS.join(", ")}) nor an existing file`);
  }
  return nameOrPath;
}

/** A model's config and weights, by built-in name or by file path (for training and tools that
 *  need the weights themselves; to run a model, loadModelInto needs less memory). */
export function loadModel(nameOrPath: string, configPath?: string): ModelFile & { source: string } {
  return { ...loadModelFile(modelPath(nameOrPath), configPath), source: nameOrPath };
}

/** Bytes per read in loadModelInto. */
const READ_CHUNK = 1 << 20;

/** Loads a model (built-in name or path) into an engine straight from disk: the file's bytes go
 *  to wasm memory, never as a whole to the JavaScript heap (Engine.loadModelFile), so they do
 *  not linger until a garbage collection and add to the peak memory of the first event.
 *  They pass through one reused 1 MiB buffer rather than being read into wasm memory directly:
 *  on a host whose kernel fills pages the process has not mapped yet (a sandboxed VM such as the
 *  project's reference machines), a direct read costs each fresh page two faults, the kernel's
 *  write and the process's first read (the non-finite scan); a copy costs one. Read and scan of
 *  a 44 MB model there: 190-194 ms direct, 140-145 ms through the buffer (session 38). */
export function loadModelInto(engine: Engine, nameOrPath: string, configPath?: string): Model {
  const path = modelPath(nameOrPath);
  const config = configOverride(configPath);
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const chunk = Buffer.allocUnsafe(Math.max(1, Math.min(READ_CHUNK, size)));
    return engine.loadModelFile(size, (into) => {
      for (let done = 0; done < into.length;) {
        const n = readSync(fd, chunk, 0, Math.min(chunk.length, into.length - done), done);
        if (n === 0) throw new InvalidWeightsError(`${path}: the file ended after ${done} bytes while being read (changed on disk?)`);
        into.set(chunk.subarray(0, n), done);
        done += n;
      }
    }, config, path);
  } finally {
    closeSync(fd);
  }
}
