// Deepening a trained U-ResNet: one more level below the coarsest, computing exactly the same
// function, so that training a deeper model (a wider view: each level doubles the receptive field of
// what lies below it) can start from what the shallower one has learnt.
//
// In SparseConvNet's UNet the coarsest level is only its residual blocks; every other level adds,
// after them, a branch down to the next level and back (BN+act, strided convolution, the next level,
// BN+act, transposed convolution), joins it to its own output and runs residual blocks on the join
// (the first 2n -> n with a 1x1 shortcut). Deepening gives the old coarsest level that branch and
// those blocks, and makes them contribute nothing at first:
// - the branch's transposed convolution is zero, so the joined buffer is [x, 0];
// - the first join block's shortcut is [I ; R]: the identity on x, random on the branch's channels,
//   which are zero, so it gives x exactly (x * 1 plus zero terms);
// - each join block's last convolution is zero, so its residual adds 0.
// The new level and the other new weights get the training initialisation (conv and 1x1 N(0,
// 2/fan_in), BN weight 1, bias 0, running statistics 0 and 1). Training grows them from the first
// step: the transposed convolution gets its gradient through R (a zero R would block it behind the
// blocks' zero convolutions), the blocks' last convolutions from their first.
// So the deepened network's logits are the shallow network's, bit for bit, in both BN modes.

import { InvalidConfigError } from "../errors.js";
import { parseModelConfig, type ModelConfig } from "../model/config.js";
import { buildUResNet, levelPrefix } from "../model/uresnet.js";
import { initialTrainingWeights } from "./random-init.js";
import { expectedTensors, type WeightTensors } from "./scn.js";

/** The config of `c` with one more level of `channels` channels (default: the linear growth,
 *  filters * (depth + 1)). */
export function deepenedConfig(c: ModelConfig, channels = c.filters * (c.depth + 1)): ModelConfig {
  if (!Number.isInteger(channels) || channels < 1) throw new InvalidConfigError(`deepen: channels ${channels}: expected an integer >= 1`);
  return parseModelConfig({ ...c, depth: c.depth + 1, planes: [...c.planes, channels] });
}

/** Weights of the deepened model (see the top of this file); deterministic for a seed. */
export function deepenWeights(c: ModelConfig, w: WeightTensors, seed: number, channels?: number): { config: ModelConfig; weights: WeightTensors } {
  const config = deepenedConfig(c, channels);
  const out = initialTrainingWeights(config, seed);
  // The old network's tensors keep their names (the new ones are all below the old coarsest level's
  // blocks): copy them, and check that every one of them has its place.
  for (const [name, t] of w) {
    const slot = out.get(name);
    if (!slot) throw new InvalidConfigError(`deepen: tensor "${name}" has no place in the deepened model`);
    if (slot.shape.join(",") !== t.shape.join(",")) throw new InvalidConfigError(`deepen: tensor "${name}" has shape [${t.shape}], the deepened model expects [${slot.shape}]`);
    out.set(name, { shape: t.shape.slice(), data: t.data.slice() });
  }
  // And that none is missing: it would otherwise keep its fresh initialisation, silently.
  for (const e of buildUResNet(c).params.flatMap(expectedTensors)) {
    if (!w.has(e.name)) throw new InvalidConfigError(`deepen: missing tensor "${e.name}"`);
  }
  const P = levelPrefix(c, c.depth - 1), n = c.planes[c.depth - 1], r = c.reps;
  const zero = (name: string) => {
    const t = out.get(name);
    if (!t) throw new Error(`internal: deepen expected tensor "${name}"`);
    t.data.fill(0);
  };
  zero(`${P}.${2 * r}.1.4.weight`); // the new branch's transposed convolution
  for (let b = 0; b < r; b++) zero(`${P}.${2 * r + 2 + 2 * b}.1.3.weight`); // the join blocks' last convolutions
  // The join block's shortcut, [2n][n] (rows are inputs): the identity on x; the rows that read the
  // branch keep their random initialisation, so the branch gets gradients from the first step.
  const shortcut = out.get(`${P}.${2 * r + 2}.0.weight`);
  if (!shortcut) throw new Error("internal: deepen expected the join block's shortcut");
  shortcut.data.fill(0, 0, n * n);
  for (let j = 0; j < n; j++) shortcut.data[j * n + j] = 1;
  return { config, weights: out };
}
