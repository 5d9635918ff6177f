// The verbs that grow a trained model into a larger one computing the same function (widen, deepen,
// add-blocks) differ only in their flags, the transform and what they record: this runs the rest
// alike (read the model, transform, write it with where it came from, say what changed).

import { writeFileSync } from "node:fs";
import type { ModelConfig } from "../model/config.js";
import { loadModel } from "../node/model-io.js";
import { writeModelFile } from "../weights/model-file.js";
import type { WeightTensors } from "../weights/scn.js";
import { integerOpt, parse, requireOpt, type Options, type Parsed } from "./args.js";

interface Grown { config: ModelConfig; weights: WeightTensors }

export interface GrowVerb {
  help: string;
  /** The verb's own flags, beside --model, --out and --seed. */
  options: Options;
  /** The transform, given the source model (`source`: its name as given), the parsed flags and the
   *  seed; `provenance` goes into the written file's metadata, `summary` after "wrote W: ". */
  grow(model: Grown & { source: string }, values: Parsed["values"], seed: number): { grown: Grown; provenance: Record<string, string>; summary: string };
}

export async function runGrowVerb(argv: string[], verb: GrowVerb): Promise<number> {
  const { values } = parse(argv, { model: { type: "string" }, out: { type: "string" }, seed: { type: "string" }, ...verb.options });
  if (values.help) { console.log(verb.help); return 0; }
  const seed = integerOpt("seed", values.seed, 1);
  const out = requireOpt("out", values.out);
  const { grown, provenance, summary } = verb.grow(loadModel(requireOpt("model", values.model)), values, seed);
  writeFileSync(out, writeModelFile(grown.config, grown.weights, provenance));
  console.log(`wrote ${out}: ${summary}`);
  return 0;
}
