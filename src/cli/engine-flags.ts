// --fast, --threads and --augment, shared by the verbs that run events.
import { Engine } from "../engine.js";
import { AUGMENTATIONS, type Augmentation } from "../mirror-average.js";
import { createThreadedEngine } from "../node/threads.js";
import { nodeGpu } from "../node/webgpu.js";
import { integerOpt, UsageError } from "./args.js";

export async function engineFromFlags(values: { fast?: unknown; threads?: unknown }): Promise<{ engine: Engine; close: () => Promise<void> }> {
  const threads = integerOpt("threads", values.threads, 1, 1, 9);
  if (threads > 1) {
    if (values.fast) throw new UsageError("--fast and --threads cannot be combined (the threaded build has the deterministic kernels only)");
    return createThreadedEngine(threads);
  }
  const engine = await Engine.create({ mode: values.fast ? "fast" : "deterministic" });
  if (engine.note) console.error(engine.note);
  return { engine, close: async () => {} };
}

/** --augment none|mirror (default none). */
export function augmentFromFlag(value: unknown): Augmentation {
  const a = value === undefined ? "none" : String(value);
  if (!(AUGMENTATIONS as readonly string[]).includes(a)) throw new UsageError(`--augment ${a}: expected ${AUGMENTATIONS.join(" or ")}`);
  return a as Augmentation;
}

export const AUGMENT_HELP = `  --augment A        none (default) | mirror: the mean of the softmax scores over the event's 2^dim
                     mirror images (4 runs in 2D, 8 in 3D); more accurate, that many times slower`;

/** An engine for --backend auto|wasm|webgpu (Node: WebGPU through the optional `webgpu` package;
 *  an explicit webgpu request may use the SwiftShader software driver). */
export async function engineForBackend(backend: unknown): Promise<Engine> {
  const b = backend === undefined ? "auto" : String(backend);
  if (b !== "auto" && b !== "wasm" && b !== "webgpu") throw new UsageError(`--backend ${b}: expected auto, wasm or webgpu`);
  if (b === "wasm") return Engine.create({ backend: "wasm" });
  return Engine.create({ backend: b, gpu: await nodeGpu({ software: b === "webgpu" }) });
}
