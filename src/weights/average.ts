// Weighted means of models of one architecture, tensor by tensor (running statistics too): how
// both shipped models were made from two training runs (models/README.md). Two runs that share a
// starting point, one trained with one loss weighting and one with another, sit at two ends of a
// trade between classes; the mean of their weights often keeps most of what each gained.
//
// Each value is sum_i fraction_i * x_i, computed in double precision over the models in the order
// given and rounded to f32 once, so the result does not depend on anything but the inputs and
// their order (and matches the snippets the model card gave before this existed).

import { InvalidConfigError, InvalidWeightsError } from "../errors.js";
import type { ModelConfig } from "../model/config.js";
import type { WeightTensors } from "./scn.js";

export interface NamedModel { name: string; config: ModelConfig; weights: WeightTensors }

/** Fractions must be finite, in [0, 1], and sum to 1 within this (decimal fractions such as
 *  0.65 and 0.35 do not sum to 1 exactly in binary). */
const SUM_TOLERANCE = 1e-9;

/** Equal fractions for n models. */
export function equalFractions(n: number): number[] {
  return Array.from({ length: n }, () => 1 / n);
}

/** The weighted mean of `models` with `fractions` (one per model). */
export function averageWeights(models: readonly NamedModel[], fractions: readonly number[]): WeightTensors {
  if (models.length < 1) throw new InvalidConfigError("no models to average");
  if (fractions.length !== models.length) throw new InvalidConfigError(`${fractions.length} fractions for ${models.length} models`);
  fractions.forEach((f, i) => {
    if (!Number.isFinite(f) || f < 0 || f > 1) throw new InvalidConfigError(`fraction ${f} of ${models[i].name}: expected a number in [0, 1]`);
  });
  const sum = fractions.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > SUM_TOLERANCE) throw new InvalidConfigError(`the fractions sum to ${sum}, not 1`);

  const [first, ...rest] = models;
  // The architecture must match; the decision stage after the network (smoothing) is not weights:
  // the mean is written with the first model's (src/cli/average.ts), and calibrated again as a whole.
  const architecture = ({ smoothing: _s, ...a }: ModelConfig) => JSON.stringify(a);
  const config = architecture(first.config);
  for (const m of rest) {
    if (architecture(m.config) !== config) {
      throw new InvalidConfigError(`${m.name} has another architecture than ${first.name}: ${architecture(m.config)} against ${config}`);
    }
  }
  // Every tensor of every model checked before any arithmetic: a mismatch costs no work.
  for (const m of rest) {
    for (const [name, t] of first.weights) {
      const u = m.weights.get(name);
      if (!u) throw new InvalidWeightsError(`${m.name} has no tensor ${name}`);
      if (u.data.length !== t.data.length) throw new InvalidWeightsError(`${name}: ${u.data.length} values in ${m.name}, ${t.data.length} in ${first.name}`);
    }
    for (const name of m.weights.keys()) if (!first.weights.has(name)) throw new InvalidWeightsError(`${first.name} has no tensor ${name} (${m.name} has)`);
  }
  const out: WeightTensors = new Map();
  for (const [name, t] of first.weights) {
    const sources = models.map((m) => m.weights.get(name)!.data);
    const data = new Float32Array(t.data.length);
    for (let j = 0; j < data.length; j++) {
      let v = 0;
      for (let i = 0; i < sources.length; i++) v += fractions[i] * sources[i][j];
      data[j] = v;
    }
    out.set(name, { shape: t.shape, data });
  }
  return out;
}
