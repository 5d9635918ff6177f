// Paired comparison of two training runs that saw the same batches (same --data stream and --seed, so
// iteration i of both runs trained on the same events): the difference of their logged losses, point by
// point, is free of the batch-to-batch noise that dwarfs the effect of a change to the network. The card
// (models/README.md) decides "does this change bind?" this way: width in session 34, depth in 35 and 36.
//
// A log point is a `train N/T loss L acc A ...` line of `sparsessnet train` without a terminal: the mean
// over the last 20 iterations, printed every 25, so consecutive points share no iteration.

import { mean } from "../util/stats.js";

export interface LogPoint { iteration: number; loss: number; accuracy: number }

const LINE = /^train (\d+)\/\d+ loss ([\d.]+) acc ([\d.]+)/;

/** The log points of a training log, in order; other lines (the closing summary, warnings) are skipped. */
export function parseTrainingLog(text: string): LogPoint[] {
  const points: LogPoint[] = [];
  for (const line of text.split("\n")) {
    const m = LINE.exec(line.trim());
    if (m) points.push({ iteration: Number(m[1]), loss: Number(m[2]), accuracy: Number(m[3]) });
  }
  return points;
}

export interface MeanWithError { mean: number; standardError: number }

export interface PairedDifference {
  /** Log points present in both logs at or after the start iteration. */
  points: number;
  firstIteration: number;
  lastIteration: number;
  /** Treatment minus control loss, over all points, the first third and the last third of them. */
  loss: MeanWithError;
  lossFirstThird: number;
  lossLastThird: number;
  /** Treatment minus control training accuracy (a fraction), over all points and the last third. */
  accuracy: MeanWithError;
  accuracyLastThird: number;
}

function meanWithError(xs: number[]): MeanWithError {
  const m = mean(xs);
  const variance = xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1);
  return { mean: m, standardError: Math.sqrt(variance / xs.length) };
}

/** Treatment minus control at every iteration >= `from` that both logs reached. */
export function pairedDifference(treatment: LogPoint[], control: LogPoint[], from: number): PairedDifference {
  const byIteration = new Map(control.map((p) => [p.iteration, p]));
  const pairs = treatment.filter((p) => p.iteration >= from && byIteration.has(p.iteration))
    .map((p) => ({ p, c: byIteration.get(p.iteration)! }));
  if (pairs.length < 3) throw new Error(`only ${pairs.length} log points from iteration ${from} are in both logs; need 3 or more`);
  const dLoss = pairs.map(({ p, c }) => p.loss - c.loss);
  const dAcc = pairs.map(({ p, c }) => p.accuracy - c.accuracy);
  const third = Math.floor(pairs.length / 3);
  return {
    points: pairs.length,
    firstIteration: pairs[0].p.iteration,
    lastIteration: pairs[pairs.length - 1].p.iteration,
    loss: meanWithError(dLoss),
    lossFirstThird: mean(dLoss.slice(0, third)),
    lossLastThird: mean(dLoss.slice(-third)),
    accuracy: meanWithError(dAcc),
    accuracyLastThird: mean(dAcc.slice(-third)),
  };
}

/** The card's criterion: the change binds iff the treatment's loss is lower beyond two standard errors,
 *  by at least `threshold`, and the gap is wider in the last third than in the first. */
export function binds(d: PairedDifference, threshold: number): { binds: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (!(d.loss.mean < -2 * d.loss.standardError)) reasons.push("mean difference not below zero by two standard errors");
  if (!(d.loss.mean <= -threshold)) reasons.push(`mean difference above -${threshold}`);
  if (!(d.lossLastThird < d.lossFirstThird)) reasons.push("gap not wider in the last third than in the first");
  return { binds: reasons.length === 0, reasons };
}
