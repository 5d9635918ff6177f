// sparsessnet command line: one verb per file, each with --help.

import { SparseSSNetError } from "../errors.js";
import { UsageError } from "./args.js";
import { bench } from "./bench.js";
import { demo } from "./demo.js";
import { initWeights } from "./init-weights.js";
import { importWeights } from "./import-weights.js";
import { segment } from "./segment.js";
import { serve } from "./serve.js";
import { display } from "./display.js";
import { evaluate } from "./evaluate.js";
import { info } from "./info.js";
import { merge } from "./merge.js";
import { simulate } from "./simulate.js";
import { train } from "./train.js";
import { verify } from "./verify.js";

const VERBS: Record<string, { run: (argv: string[]) => Promise<number>; summary: string }> = {
  demo: { run: demo, summary: "segment the bundled sample events with the bundled model and print per-event time" },
  segment: { run: segment, summary: "segment an event: logits, scores and labels to a safetensors file" },
  bench: { run: bench, summary: "per-event time, memory and GFLOP/s on a bench event, next to SparseConvNet's" },
  verify: { run: verify, summary: "run SparseConvNet conformance case folders and compare every expected tensor" },
  "init-weights": { run: initWeights, summary: "write a model file with seeded random weights for a config" },
  serve: { run: serve, summary: "start the in-browser event display on a local port" },
  simulate: { run: simulate, summary: "generate labelled LArTPC events (particle bomb) to HDF5, npz or safetensors" },
  merge: { run: merge, summary: "join shard outputs of segment, checking every event appears exactly once" },
  info: { run: info, summary: "events, sites and class counts of an event file" },
  display: { run: display, summary: "draw an event (energy, truth, prediction, correctness, loss weights) as a PNG" },
  evaluate: { run: evaluate, summary: "segment labelled events and report accuracy, confusion matrices and ICPF" },
  train: { run: train, summary: "train a U-ResNet on simulated or file events (checkpoints, exact resume)" },
  "import-weights": { run: importWeights, summary: "convert a SparseConvNet U-ResNet state_dict (safetensors) to a model file" },
};

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
