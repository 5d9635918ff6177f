// How far does an output site see? Along a straight one-pixel track (the case of a long isolated
// muon, where default-2d's view runs out: models/README.md), change the charge of one pixel and
// report the span of outputs whose logits change, for U-ResNets of several depths with random
// weights (ReLUs at zero cut some paths, so this is about, not exactly, the architecture's reach;
// a trained network may use less of it). Each level added at the bottom about doubles the reach.
// Usage: node dist/bench/receptive-field.js [--depths 5,6,7] [--filters 4]
import { parseArgs } from "node:util";
import { Engine } from "../src/engine.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import type { SparseTensor } from "../src/tensor/sparse-tensor.js";
import { randomWeights } from "../src/weights/random-init.js";

const { values } = parseArgs({ options: { depths: { type: "string", default: "5,6,7" }, filters: { type: "string", default: "4" } } });
const depths = values.depths.split(",").map(Number);
const filters = Number(values.filters);
const engine = await Engine.create();
const LENGTH = 2048, ROW = 700, SIZE = [1024, 4096];
/** Pixels whose charge is changed: positions at and off the coarse levels' block boundaries. */
const probes = [1000, 1001, 1013, 1023];

console.log(`| depth | probe pixel | outputs changed | reach left | reach right |`);
console.log(`|---|---|---|---|---|`);
for (const depth of depths) {
  const cfg = parseModelConfig({ dim: 2, filters, depth });
  const model = engine.loadModel(cfg, randomWeights(buildUResNet(cfg), 1));
  const coords = new Int32Array(2 * LENGTH);
  for (let x = 0; x < LENGTH; x++) { coords[2 * x] = ROW; coords[2 * x + 1] = x; }
  const charge = new Float32Array(LENGTH).fill(1);
  const track: SparseTensor = { dim: 2, coords, features: charge, channels: 1, spatialSize: SIZE };
  const base = engine.run(model, track).logits;
  const C = cfg.classes;
  for (const x0 of probes) {
    const changed = charge.slice();
    changed[x0] = 5;
    const out = engine.run(model, { ...track, features: changed }).logits;
    let lo = Infinity, hi = -Infinity;
    for (let x = 0; x < LENGTH; x++) {
      for (let c = 0; c < C; c++) if (base[x * C + c] !== out[x * C + c]) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
    }
    console.log(`| ${depth} | ${x0} | ${lo}–${hi} | ${x0 - lo} | ${hi - x0} |`);
  }
}
