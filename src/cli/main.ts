// sparsessnet command line: one verb per file, each with --help. A verb's module is imported only
// when it runs, so `segment` or `bench` do not load HDF5, PNG or WebGPU code they do not use (and
// their memory figures stay their own).

import { SparseSSNetError } from "../errors.js";
import { UsageError } from "./args.js";

const VERBS: Record<string, { run: (argv: string[]) => Promise<number>; summary: string }> = {
  demo: { run: async (a) => (await import("./demo.js")).demo(a), summary: "segment the bundled sample events with the bundled model and print per-event time" },
  segment: { run: async (a) => (await import("./segment.js")).segment(a), summary: "segment an event: logits, scores and labels to a safetensors file" },
  bench: { run: async (a) => (await import("./bench.js")).bench(a), summary: "per-event time, memory and GFLOP/s on a bench event, next to SparseConvNet's" },
  verify: { run: async (a) => (await import("./verify.js")).verify(a), summary: "run SparseConvNet conformance case folders and compare every expected tensor" },
  "init-weights": { run: async (a) => (await import("./init-weights.js")).initWeights(a), summary: "write a model file with seeded random weights for a config" },
  serve: { run: async (a) => (await import("./serve.js")).serve(a), summary: "start the in-browser event display on a local port" },
  simulate: { run: async (a) => (await import("./simulate.js")).simulate(a), summary: "generate labelled LArTPC events (particle bomb) to HDF5, npz or safetensors" },
  merge: { run: async (a) => (await import("./merge.js")).merge(a), summary: "join shard outputs of segment, checking every event appears exactly once" },
  info: { run: async (a) => (await import("./info.js")).info(a), summary: "events, sites and class counts of an event file" },
  display: { run: async (a) => (await import("./display.js")).display(a), summary: "draw an event (energy, truth, prediction, correctness, loss weights) as a PNG" },
  evaluate: { run: async (a) => (await import("./evaluate.js")).evaluate(a), summary: "segment labelled events and report accuracy, confusion matrices and ICPF" },
  train: { run: async (a) => (await import("./train.js")).train(a), summary: "train a U-ResNet on simulated or file events (checkpoints, exact resume)" },
  calibrate: { run: async (a) => (await import("./calibrate.js")).calibrate(a), summary: "fit a constant per class on the logits that raises accuracy on labelled events (no training)" },
  average: { run: async (a) => (await import("./average.js")).average(a), summary: "the weighted mean of models of one architecture (how the shipped models were mixed)" },
  widen: { run: async (a) => (await import("./widen.js")).widen(a), summary: "widen a trained model (same function, R times the channels) to start a wider model's training" },
  deepen: { run: async (a) => (await import("./deepen.js")).deepen(a), summary: "deepen a trained model (same function, one more level) to start a deeper model's training" },
  "add-blocks": { run: async (a) => (await import("./add-blocks.js")).addBlocks(a), summary: "add residual blocks per level to a trained model (same function) to start a thicker model's training" },
  "import-weights": { run: async (a) => (await import("./import-weights.js")).importWeights(a), summary: "convert a SparseConvNet U-ResNet state_dict (safetensors) to a model file" },
};

/** Every verb, in the order usage() lists them. */
export const VERB_NAMES: readonly string[] = Object.keys(VERBS);

export function usage(): string {
  return [
    "usage: sparsessnet <verb> [options]   (sparsessnet <verb> --help for a verb's options)",
    "",
    ...Object.entries(VERBS).map(([v, { summary }]) => `  ${v.padEnd(15)} ${summary}`),
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (!verb || verb === "--help" || verb === "-h" || verb === "help") {
    console.log(usage());
    return verb ? 0 : 2;
  }
  const v = VERBS[verb];
  if (!v) {
    console.error(`sparsessnet: unknown verb "${verb}"\n${usage()}`);
    return 2;
  }
  try {
    return await v.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`sparsessnet ${verb}: ${e.message}`);
      return 2;
    }
    if (e instanceof SparseSSNetError) {
      console.error(`sparsessnet ${verb}: ${e.name}: ${e.message}`);
      return 1;
    }
    throw e;
  }
}
