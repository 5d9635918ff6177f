// The U-ResNet configuration, validated with zod. Defaults are SparseSSNet's (MicroBooNE):
// 5 levels, 16 filters growing linearly per level, 2 residual blocks per level, 5 classes.

import { z } from "zod";
import { InvalidConfigError } from "../errors.js";
import { type Smoothing, SmoothingSchema } from "./smoothing.js";

export const ModelConfigSchema = z.object({
  dim: z.union([z.literal(2), z.literal(3)]),
  inputChannels: z.number().int().min(1).default(1),
  /** m: channels at the first level. */
  filters: z.number().int().min(1).max(4096),
  /** Number of U-Net levels (SparseConvNet UNet's len(nPlanes)). */
  depth: z.number().int().min(1).max(12).default(5),
  /** Residual blocks per level on each side of the U. */
  reps: z.number().int().min(1).max(16).default(2),
  /** Channels per level; default filters * (level + 1). */
  planes: z.array(z.number().int().min(1)).optional(),
  classes: z.number().int().min(1).default(5),
  /** SparseConvNet's BatchNorm eps (not torch's 1e-5). */
  bnEps: z.number().positive().default(1e-4),
  /** Leak of the activations inside the U-Net (0 = ReLU). */
  leakiness: z.number().min(0).max(1).default(0),
  /** Leak of the final BatchNorm activation; default: the same as leakiness. */
  finalLeakiness: z.number().min(0).max(1).optional(),
  /** Kernel size of the first submanifold convolution (odd). */
  inputKernel: z.union([z.literal(1), z.literal(3), z.literal(5)]).default(3),
  /** Residual blocks (ResNet) or plain BN-ReLU-conv blocks. */
  residualBlocks: z.boolean().default(true),
  /** Scores mixed with the neighbours' before the labels are decided (src/model/smoothing.ts). */
  smoothing: SmoothingSchema.optional(),
}).strict();

export type ModelConfigInput = z.input<typeof ModelConfigSchema>;
export interface ModelConfig extends Omit<z.output<typeof ModelConfigSchema>, "planes" | "finalLeakiness" | "smoothing"> {
  planes: number[];
  finalLeakiness: number;
  smoothing?: Smoothing;
}

/** Validates a configuration and fills in defaults; throws InvalidConfigError naming the field. */
export function parseModelConfig(input: unknown): ModelConfig {
  const r = ModelConfigSchema.safeParse(input);
  if (!r.success) {
    const msg = r.error.issues.map((i) => `${i.path.join(".") || "(config)"}: ${i.message}`).join("; ");
    throw new InvalidConfigError(`model config: ${msg}`);
  }
  const c = r.data;
  const planes = c.planes ?? Array.from({ length: c.depth }, (_, l) => c.filters * (l + 1));
  if (planes.length !== c.depth) {
    throw new InvalidConfigError(`model config: planes has ${planes.length} entries but depth is ${c.depth}`);
  }
  if (planes[0] !== c.filters) {
    throw new InvalidConfigError(`model config: planes[0] = ${planes[0]} must equal filters = ${c.filters}`);
  }
  const { smoothing: sm, ...rest } = c;
  let smoothing: Smoothing | undefined;
  if (sm) {
    const constants = sm.constants ?? new Array<number>(c.classes).fill(0);
    if (constants.length !== c.classes) {
      throw new InvalidConfigError(`model config: smoothing.constants has ${constants.length} entries for ${c.classes} classes`);
    }
    smoothing = { radius: sm.radius, share: sm.share, constants };
  }
  return { ...rest, planes, finalLeakiness: c.finalLeakiness ?? c.leakiness, ...(smoothing ? { smoothing } : {}) };
}

/** Reads the architecture fields of a conformance manifest's "model" object (SparseConvNet naming). */
export function configFromManifest(dim: number, model: Record<string, unknown>): ModelConfig {
  const known = ["filters", "depth", "reps", "planes", "inputChannels", "classes", "bnEps", "leakiness", "inputKernel", "residualBlocks"];
  const picked: Record<string, unknown> = { dim };
  for (const k of known) if (model[k] !== undefined) picked[k] = model[k];
  if (model.unetLeakiness !== undefined) picked.leakiness = model.unetLeakiness;
  if (model.finalLeakiness !== undefined) picked.finalLeakiness = model.finalLeakiness;
  else if (model.finalLayer === "BatchNormReLU") picked.finalLeakiness = 0;
  if (model.convBias === true) throw new InvalidConfigError("model config: convBias true is not supported (SparseSSNet's convolutions have no bias)");
  const ds = model.downsample as { filterSize?: number; stride?: number } | undefined;
  if (ds && (ds.filterSize !== 2 || ds.stride !== 2)) {
    throw new InvalidConfigError(`model config: downsample ${JSON.stringify(ds)} is not supported (only filter 2, stride 2)`);
  }
  if (model.duplicateMode !== undefined && model.duplicateMode !== "sum") {
    throw new InvalidConfigError(`model config: duplicateMode ${JSON.stringify(model.duplicateMode)} is not supported (only "sum", InputLayer mode 3)`);
  }
  return parseModelConfig(picked);
}
