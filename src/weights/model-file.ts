// Model files: safetensors with SparseConvNet state_dict names, the config in
// __metadata__.config (JSON). Reading accepts any SparseConvNet U-ResNet state_dict in safetensors
// form (see scn.ts for the layouts the importer understands).

import { InvalidConfigError, InvalidWeightsError } from "../errors.js";
import { parseModelConfig, type ModelConfig } from "../model/config.js";
import { buildUResNet } from "../model/uresnet.js";
import { parseSafetensors, serializeSafetensors, type Tensor } from "./safetensors.js";
import { importScnStateDict, type NonFiniteScan, type WeightTensors } from "./scn.js";

export interface ModelFile { config: ModelConfig; weights: WeightTensors; metadata: Record<string, string> }

/** Parses a model file. `config` overrides (or supplies) the embedded one. */
export function readModelFile(bytes: Uint8Array, config?: unknown, what = "weights file", scan?: NonFiniteScan): ModelFile {
  const f = parseSafetensors(bytes, what);
  const cfg = modelFileConfig(f.metadata, config, what);
  // A training checkpoint holds the parameters under "param/" (and optimiser moments): use those.
  const tensors = f.metadata.format === "sparsessnet-checkpoint"
    ? new Map([...f.tensors].filter(([k]) => k.startsWith("param/")).map(([k, v]) => [k.slice(6), v]))
    : f.tensors;
  const weights = importScnStateDict(buildUResNet(cfg), tensors, scan);
  return { config: cfg, weights, metadata: f.metadata };
}

/** A model file's config: `config` if given, else the one embedded in its metadata. */
export function modelFileConfig(metadata: Record<string, string>, config: unknown, what: string): ModelConfig {
  let cfgInput = config;
  if (cfgInput === undefined) {
    const embedded = metadata.config;
    if (!embedded) throw new InvalidConfigError(`${what} has no embedded config (__metadata__.config): pass one (--config)`);
    try { cfgInput = JSON.parse(embedded); } catch (e) {
      throw new InvalidWeightsError(`${what}: __metadata__.config is not JSON (${(e as Error).message})`);
    }
  }
  return parseModelConfig(cfgInput);
}

/** Serialises a model in the native format. */
export function writeModelFile(config: ModelConfig, weights: WeightTensors, extra: Record<string, string> = {}): Uint8Array {
  const tensors = new Map<string, Tensor>();
  for (const [name, t] of weights) tensors.set(name, { dtype: "F32", shape: t.shape, data: t.data });
  return serializeSafetensors(tensors, { ...extra, format: "sparsessnet-scn-state-dict", config: JSON.stringify(config) });
}
