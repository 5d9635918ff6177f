// Weighted means of models (src/weights/average.ts): every value is sum_i f_i x_i rounded once,
// the trivial means give back their model bit for bit, and what cannot be averaged is refused by
// name. (That `sparsessnet average` rebuilds both shipped models bit for bit from their parts is
// in models/README.md; the parts are not in the repository.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { averageWeights, equalFractions, type NamedModel } from "../src/weights/average.js";
import { randomWeights } from "../src/weights/random-init.js";

const cfg = parseModelConfig({ dim: 3, filters: 4, depth: 3 });
const model = (seed: number, c = cfg): NamedModel => ({ name: `m${seed}`, config: c, weights: randomWeights(buildUResNet(c), seed) });
const [a, b, c] = [model(1), model(2), model(3)];

function sameBits(x: Float32Array, y: Float32Array, what: string) {
  assert.equal(x.length, y.length, what);
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) assert.fail(`${what}[${i}]: ${x[i]} vs ${y[i]}`);
}

test("each value is the fractions' weighted sum in double precision, rounded to f32 once", () => {
  const f = [0.2, 0.3, 0.5];
  const mean = averageWeights([a, b, c], f);
  assert.deepEqual([...mean.keys()], [...a.weights.keys()]);
  let values = 0;
  for (const [name, t] of mean) {
    const [x, y, z] = [a, b, c].map((m) => m.weights.get(name)!.data);
    assert.deepEqual(t.shape, a.weights.get(name)!.shape);
    const ref = Float32Array.from(x, (_, i) => Math.fround(f[0] * x[i] + f[1] * y[i] + f[2] * z[i]));
    sameBits(t.data, ref, name);
    values += ref.length;
  }
  assert.ok(values > 1000);
});

test("trivial means give back a model bit for bit: a model with itself, and a fraction of 1", () => {
  for (const [name, t] of averageWeights([a, { ...a, name: "again" }], equalFractions(2))) sameBits(t.data, a.weights.get(name)!.data, name);
  for (const [name, t] of averageWeights([a, b, c], [0, 1, 0])) sameBits(t.data, b.weights.get(name)!.data, name);
});

test("models of another architecture, missing tensors and bad fractions are refused by name", () => {
  const wider = model(4, parseModelConfig({ dim: 3, filters: 8, depth: 3 }));
  assert.throws(() => averageWeights([a, wider], [0.5, 0.5]), /m4 has another architecture than m1/);
  const short = { ...b, weights: new Map([...b.weights].slice(1)) };
  const missing = [...b.weights.keys()][0];
  assert.throws(() => averageWeights([a, short], [0.5, 0.5]), new RegExp(`m2 has no tensor ${missing.replace(/\./g, "\\.")}`));
  assert.throws(() => averageWeights([a, b], [0.6, 0.6]), /sum to 1\.2, not 1/);
  assert.throws(() => averageWeights([a, b], [1.5, -0.5]), /fraction 1\.5 of m1: expected a number in \[0, 1\]/);
  assert.throws(() => averageWeights([a, b], [1]), /1 fractions for 2 models/);
  // Decimal fractions that do not sum to 1 exactly in binary are accepted.
  assert.doesNotThrow(() => averageWeights([a, b, c], [0.1, 0.2, 0.7]));
});

test("the decision stage is not the architecture: a model that mixes its scores averages with one that does not", () => {
  const mixing: NamedModel = { ...b, name: "mixing", config: { ...b.config, smoothing: { radius: 3, share: 0.3, constants: [0, 0, 0, 0.0625, 0] } } };
  const plain = averageWeights([a, b], [0.5, 0.5]);
  for (const [name, t] of averageWeights([a, mixing], [0.5, 0.5])) sameBits(t.data, plain.get(name)!.data, name);
  const wider = model(5, parseModelConfig({ dim: 3, filters: 8, depth: 3, smoothing: { radius: 3, share: 0.3 } }));
  assert.throws(() => averageWeights([mixing, wider], [0.5, 0.5]), /m5 has another architecture than mixing/);
});

