import { writeFileSync } from "node:fs";
import { loadModelFile } from "../node/model-io.js";
import { writeModelFile } from "../weights/model-file.js";
import { parse, requireOpt } from "./args.js";

const HELP = `usage: sparsessnet import-weights --in STATE_DICT --config C --out W

Reads a SparseConvNet U-ResNet state_dict saved as safetensors (current [K,1,Cin,Cout] or
pre-2019 [K,Cin,Cout] convolution layout, optional "module." prefix), checks every tensor
against the architecture in C (missing, extra or mis-shaped tensors are named), and writes a
native model file with the config embedded.`;

export async function importWeights(argv: string[]): Promise<number> {
  const { values } = parse(argv, { in: { type: "string" }, config: { type: "string" }, out: { type: "string" } });
  if (values.help) { console.log(HELP); return 0; }
  const mf = loadModelFile(requireOpt("in", values.in), requireOpt("config", values.config));
  const out = requireOpt("out", values.out);
  writeFileSync(out, writeModelFile(mf.config, mf.weights, { importedFrom: "sparseconvnet-state-dict" }));
  console.log(`wrote ${out}: ${mf.weights.size} tensors, ${JSON.stringify(mf.config)}`);
  return 0;
}
