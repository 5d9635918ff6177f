import { widenWeights } from "../weights/widen.js";
import { integerOpt, numberOpt } from "./args.js";
import { runGrowVerb } from "./grow-model.js";

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
  return runGrowVerb(argv, {
    help: HELP,
    options: { factor: { type: "string" }, noise: { type: "string" } },
    grow(m, values, seed) {
      const factor = integerOpt("factor", values.factor, 2, 1);
      const noise = numberOpt("noise", values.noise, 0, 0);
      const grown = widenWeights(m.config, m.weights, factor, seed, noise);
      return {
        grown,
        provenance: { widenedFrom: m.source, widenFactor: String(factor), widenSeed: String(seed), widenNoise: String(noise) },
        summary: `${m.config.filters} -> ${grown.config.filters} filters, planes ${grown.config.planes.join(",")}${noise ? `, noise ${noise} x RMS` : ""}`,
      };
    },
  });
}
