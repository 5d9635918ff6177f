// Shared by the tools that compare builds of the engine (ab-builds.ts, conv-replay.ts): a build is a
// package root holding a built dist/ (e.g. a git worktree of another commit after npm run build).
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

/** A module of a build's dist/src, typed loosely: another build's modules may differ from this one's. */
export const buildModule = (root: string, path: string): Promise<any> => import(pathToFileURL(resolve(root, "dist/src", path)).href);

/** A build's engine with the depth-5 network of `filters` filters on random weights (seed 1234, so
 *  every build gets the same), warmed up on the event; run(options) segments it again. */
export async function warmedEngine(root: string, eventDir: string, filters: number, fast = false) {
  const { readEventFile } = await buildModule(root, "node/event-file.js");
  const { parseModelConfig } = await buildModule(root, "model/config.js");
  const { randomModelFile } = await buildModule(root, "node/random-model-file.js");
  const { loadModelInto } = await buildModule(root, "node/model-io.js");
  const { engineFromFlags } = await buildModule(root, "cli/engine-flags.js");
  const ev = readEventFile(eventDir);
  const modelPath = randomModelFile(parseModelConfig({ dim: ev.tensor.dim, filters, depth: 5, inputChannels: ev.tensor.channels }), 1234);
  const { engine, close } = await engineFromFlags({ fast });
  const model = loadModelInto(engine, modelPath);
  // Warm-up, in which the engine also learns which convolution kernel is faster here.
  for (let i = 0; i < 6; i++) engine.run(model, ev.tensor);
  return {
    run: (options?: object): { logits: Float32Array; timings: Record<"totalMs" | "geometryMs" | "networkMs", number> } => engine.run(model, ev.tensor, options),
    close: close as () => Promise<void>,
  };
}
