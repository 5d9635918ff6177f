import { writeFileSync } from "node:fs";
import { loadModel } from "../node/model-io.js";
import { averageWeights, equalFractions } from "../weights/average.js";
import { writeModelFile } from "../weights/model-file.js";
import { numberList, parse, requireOpt, UsageError } from "./args.js";

const HELP = `usage: sparsessnet average --out W [--fractions F1,F2,...] M1 M2 [M3 ...]

Writes the weighted mean of models of one architecture, every tensor (batch-norm running
statistics too): sum of Fi x Mi, computed in double precision and rounded to f32 once. Both
shipped models are such means of training runs from a common start (models/README.md), e.g.
default-2d before its class constant:
  sparsessnet average --out s3.safetensors default-2d-s23.safetensors p21.safetensors p22.safetensors
Means of models that did not start from the same weights are not meaningful (their channels are
not aligned). The mean keeps M1's decision stage (its scores mixed over neighbours, or not, with
M1's constants), whatever the others'; fit its constants again with calibrate. Check a mean
against its parts on the same events:
  sparsessnet evaluate --model W --baseline M1 --data <validation events>
  M1 M2 ...      default-2d, default-3d, model files or training checkpoints
  --fractions F  one per model, each in [0, 1], summing to 1 (default: equal)
  --out W        the model file (its metadata records the models and fractions)`;

export async function average(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: "string" }, fractions: { type: "string" } }, true);
  if (values.help) { console.log(HELP); return 0; }
  const out = requireOpt("out", values.out);
  if (positionals.length < 2) throw new UsageError(`expected at least two models to average, got ${positionals.length}`);
  const fractions = numberList("fractions", values.fractions) ?? equalFractions(positionals.length);
  if (fractions.length !== positionals.length) throw new UsageError(`--fractions ${values.fractions}: ${fractions.length} fractions for ${positionals.length} models`);
  const models = positionals.map((p) => ({ ...loadModel(p), name: p }));
  const weights = averageWeights(models, fractions);
  const parts = positionals.map((p, i) => ({ model: p, fraction: fractions[i] }));
  writeFileSync(out, writeModelFile(models[0].config, weights, { averagedFrom: JSON.stringify(parts) }));
  console.log(`wrote ${out}: ${parts.map((p) => `${p.fraction} x ${p.model}`).join(" + ")}`);
  const stage = (m: (typeof models)[number]) => JSON.stringify(m.config.smoothing ?? null);
  if (models.some((m) => stage(m) !== stage(models[0]))) {
    console.log(`the models decide their labels differently (smoothing: ${models.map(stage).join(", ")}); ${out} keeps ${positionals[0]}'s`);
  }
  return 0;
}
