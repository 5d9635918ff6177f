// --fast, --threads and --augment, shared by the verbs that run events.
import { Engine } from "../engine.js";
import { AUGMENTATIONS, type Augmentation } from "../mirror-average.js";
import { createThreadedEngine } from "../node/threads.js";
import { nodeGpu } from "../node/webgpu.js";
import { integerOpt, UsageError } from "./args.js";

/** Most threads an engine runs an event on (one wasm instance each, sharing the memory). */
export const MAX_THREADS = 9;

/** --threads N as a verb's flags give it (text): 1 when absent. */
export function threadsFlag(value: unknown): number {
  return integerOpt("threads", value, 1, 1, MAX_THREADS);
}

/** An engine from a verb's --fast and --threads flags. */
export async function engineFromFlags(values: { fast?: unknown; threads?: unknown }): Promise<{ engine: Engine; close: () => Promise<void> }> {
  return createEngine({ fast: Boolean(values.fast), threads: threadsFlag(values.threads) });
}

/** An engine of `threads` threads (deterministic kernels), or one thread in the fast or deterministic mode.
 *  The options are read already: callers that hold numbers (bench) come here, not through the flags. */
export async function createEngine(opts: { fast: boolean; threads: number }): Promise<{ engine: Engine; close: () => Promise<void> }> {
  if (!Number.isInteger(opts.threads) || opts.threads < 1 || opts.threads > MAX_THREADS) {
    throw new UsageError(`--threads ${opts.threads}: expected an integer from 1 to ${MAX_THREADS}`);
  }
  if (opts.threads > 1) {
    if (opts.fast) throw new UsageError("--fast and --threads cannot be combined (the threaded build has the deterministic kernels only)");
    return createThreadedEngine(opts.threads);
  }
  const engine = await Engine.create({ mode: opts.fast ? "fast" : "deterministic" });
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
