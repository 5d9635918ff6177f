import { writeFileSync } from "node:fs";
import { loadModel } from "../node/model-io.js";
import { writeModelFile } from "../weights/model-file.js";
import { widenWeights } from "../weights/widen.js";
import { integerOpt, numberOpt, parse, requireOpt } from "./args.js";

const HELP = `usage: sparsessnet widen --model M --out W [--factor R] [--seed S] [--noise X]

Writes model M with R times the channels at every level (default 2: 16 filters become 32) that
computes the same function (Net2WiderNet): each channel is copied R times and the weights that
read it are split among the copies in random fractions, which lets training make the copies
differ. Start a wider model's training from it with \`train --init W\`, at about 1/R of the learning
rate the narrow model would use: Adam moves each weight by about the rate, and the R copies of a
channel move together (models/README.md).
  --model M    default-2d, default-3d, a model file or a training checkpoint
  --factor R   integer widening factor (default 2)
  --seed S     seed of the random fractions and of the noise (default 1)
  --noise X    add Gaussian noise of X times each weight tensor's RMS to every convolution and linear
               weight (default 0). Under Adam the copies separate slowly (about 1% in 500 iterations,
               models/README.md); noise makes them differ from the start, and the model computes about,
               not exactly, the narrow model's function. --factor 1 --noise X perturbs a model alike:
               the control of a width experiment.`;

export async function widen(argv: string[]): Promise<number> {
  const { values } = parse(argv, { model: { type: "string" }, out: { type: "string" }, factor: { type: "string" }, seed: { type: "string" }, noise: { type: "string" } });
  if (values.help) { console.log(HELP); return 0; }
  const factor = integerOpt("factor", values.factor, 2, 1);
  const seed = integerOpt("seed", values.seed, 1);
  const noise = numberOpt("noise", values.noise, 0, 0);
  const out = requireOpt("out", values.out);
  const source = requireOpt("model", values.model);
  const m = loadModel(source);
  const { config, weights } = widenWeights(m.config, m.weights, factor, seed, noise);
  writeFileSync(out, writeModelFile(config, weights, { widenedFrom: source, widenFactor: String(factor), widenSeed: String(seed), widenNoise: String(noise) }));
  console.log(`wrote ${out}: ${m.config.filters} -> ${config.filters} filters, planes ${config.planes.join(",")}${noise ? `, noise ${noise} x RMS` : ""}`);
  return 0;
}
