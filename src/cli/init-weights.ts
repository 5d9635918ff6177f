import { writeFileSync } from "node:fs";
import { parseModelConfig } from "../model/config.js";
import { buildUResNet } from "../model/uresnet.js";
import { readJson } from "../node/model-io.js";
import { writeModelFile } from "../weights/model-file.js";
import { randomWeights } from "../weights/random-init.js";
import { integerOpt, parse, requiredInteger, requireOpt } from "./args.js";

const HELP = `usage: sparsessnet init-weights (--config C | --dim D --filters M [--depth L]) --out W [--seed S]

Writes a model file with seeded random weights (conv ~ N(0, 2/fan_in), BN affine and running
statistics randomised): for benchmarks and tests, not for physics.`;

export async function initWeights(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    config: { type: "string" }, dim: { type: "string" }, filters: { type: "string" }, depth: { type: "string" },
    out: { type: "string" }, seed: { type: "string" },
  });
  if (values.help) { console.log(HELP); return 0; }
  const cfgInput = values.config
    ? readJson(values.config, "config")
    : { dim: requiredInteger("dim", values.dim, 2, 3), filters: requiredInteger("filters", values.filters, 1), ...(values.depth ? { depth: integerOpt("depth", values.depth, 5, 1) } : {}) };
  const config = parseModelConfig(cfgInput);
  const seed = integerOpt("seed", values.seed, 1234);
  const out = requireOpt("out", values.out);
  writeFileSync(out, writeModelFile(config, randomWeights(buildUResNet(config), seed), { seed: String(seed), weights: "random" }));
  console.log(`wrote ${out}: ${JSON.stringify(config)}`);
  return 0;
}
