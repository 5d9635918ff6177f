// More residual blocks per level in a trained U-ResNet, computing exactly the same function, so that
// training a model with more blocks (more convolutions, and a wider view, at every scale) can start
// from what the thinner one has learnt: the test of whether the blocks per level bind, as `deepen`
// tests the levels and `widen` the channels.
//
// In SparseConvNet's UNet a level's modules are numbered in order (src/model/uresnet.ts): reps blocks
// (two indices each), the branch to the next level, the join, reps blocks on the join. With more reps
// the branch, the join and the blocks after it move up; a tensor keeps its place in the network and
// gets the new numbering. The new blocks come after the old ones on each side of each level, and
// start as the identity: a residual block is shortcut(x) + conv(act(bn(conv(act(bn(x)))))), its
// shortcut is the identity (n -> n), so a zero last convolution makes it add exactly 0.
// The new blocks' other weights get the training initialisation (conv N(0, 2/fan_in), BN weight 1,
// bias 0, running statistics 0 and 1), so the zero convolution gets a gradient from the first step
// and the one before it from the second.

import { InvalidConfigError } from "../errors.js";
import { parseModelConfig, type ModelConfig } from "../model/config.js";
import { buildUResNet, levelPrefix } from "../model/uresnet.js";
import { initialTrainingWeights } from "./random-init.js";
import { expectedTensors, type WeightTensors } from "./scn.js";

/** The name that tensor `name` of a model with `from` blocks per side takes with `to` blocks. */
export function renumberedName(name: string, from: number, to: number): string {
  const root = "sparseModel.2.";
  if (!name.startsWith(root)) return name; // the input convolution, the final BN, the linear layer
  const parts = name.slice(root.length).split(".");
  const out: string[] = [];
  let k = 0;
  for (;;) {
    const i = Number(parts[k]);
    if (!Number.isInteger(i) || i < 0) throw new InvalidConfigError(`add-blocks: tensor "${name}" is not a U-ResNet tensor`);
    if (i < 2 * from) { out.push(String(i)); break; } // a block before the branch
    if (i > 2 * from) { out.push(String(i + 2 * (to - from))); break; } // the join's blocks
    // The branch: its module 2 is the next level, whose numbering starts again.
    out.push(String(2 * to));
    if (parts[k + 1] === "1" && parts[k + 2] === "2") { out.push("1", "2"); k += 3; continue; }
    break;
  }
  return `${root}${[...out, ...parts.slice(k + 1)].join(".")}`;
}

/** Weights of the model with `reps` blocks per side of each level (default: one more); deterministic
 *  for a seed. */
export function addBlocksWeights(c: ModelConfig, w: WeightTensors, seed: number, reps = c.reps + 1): { config: ModelConfig; weights: WeightTensors } {
  if (!c.residualBlocks) throw new InvalidConfigError("add-blocks: the model has plain blocks; only residual blocks can start as the identity");
  if (!Number.isInteger(reps) || reps <= c.reps) throw new InvalidConfigError(`add-blocks: reps ${reps}: expected an integer above the model's ${c.reps}`);
  const config = parseModelConfig({ ...c, reps });
  const out = initialTrainingWeights(config, seed);
  // Every old tensor must be present and find its place, or it would keep a fresh initialisation.
  for (const e of buildUResNet(c).params.flatMap(expectedTensors)) {
    if (!w.has(e.name)) throw new InvalidConfigError(`add-blocks: missing tensor "${e.name}"`);
  }
  for (const [name, t] of w) {
    const to = renumberedName(name, c.reps, reps);
    const slot = out.get(to);
    if (!slot) throw new InvalidConfigError(`add-blocks: tensor "${name}" has no place in the model with ${reps} blocks`);
    if (slot.shape.join(",") !== t.shape.join(",")) throw new InvalidConfigError(`add-blocks: tensor "${name}" has shape [${t.shape}], its place "${to}" expects [${slot.shape}]`);
    out.set(to, { shape: t.shape.slice(), data: t.data.slice() });
  }
  const zero = (name: string) => {
    const t = out.get(name);
    if (!t) throw new Error(`internal: add-blocks expected tensor "${name}"`);
    t.data.fill(0);
  };
  for (let l = 0; l < c.depth; l++) {
    const P = levelPrefix(config, l);
    for (let b = c.reps; b < reps; b++) {
      zero(`${P}.${2 * b}.1.3.weight`); // before the branch
      if (l + 1 < c.depth) zero(`${P}.${2 * reps + 2 + 2 * b}.1.3.weight`); // on the join
    }
  }
  return { config, weights: out };
}
