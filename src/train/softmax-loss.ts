// Softmax cross-entropy over the rows of a batch with per-row weights, normalised by their sum:
// L = sum_r w_r CE_r / sum_r w_r, in float64 from the float32 logits of each row's site. A
// function of its own (not a loop inside the training step) so that V8 optimises it on its own.
// With soft targets (distillation from a teacher), row r's target is the distribution
// (1 - a) onehot(label_r) + a q_r instead of onehot(label_r): CE_r = lse_r - sum_j t_rj z_rj, whose
// gradient is softmax(z_r) - t_r (t_r sums to 1).
// With a track/shower weight b > 0 (5 classes), each row also pays b times the cross-entropy of the
// two groups the targets are scored in, track (HIP, MIP) and shower (shower, delta, Michel):
// -b log P_G with P_G the summed probability of the label's group G, whose gradient is
// b p_j (1 - [j in G] / P_G). The five-class term spends its gradient alike on every confusion,
// also on HIP against MIP, which the images often cannot tell apart; this one only on the
// confusions that cross the track/shower line.

import { trackShowerOf } from "../data/labelled-event.js";

export interface WeightedLoss {
  loss: number;
  /** Per row [rows, classes]: the logits of its site. */
  logits: Float32Array;
  /** dL/dlogits per row [rows, classes]. */
  gradLogits: Float32Array;
  /** dL/dlogits per site [sites, stride]: rows of the same site add up. */
  gradSites: Float64Array;
  /** Per row [rows, classes], what its label is decided on when that is not the logits (the mixed
   *  scores of mixed-loss.ts). */
  decision?: Float32Array;
}

/** A teacher's class probabilities per row [rows, classes] and the share `weight` (0 to 1) of
 *  the target they make up; the label makes up the rest. */
export interface SoftTargets { probabilities: Float32Array; weight: number }

/** The track/shower term's weight: 0 or more, and more than 0 only with the 5 classes it groups. */
export function checkTrackShowerWeight(b: number, classes: number): void {
  if (!(b >= 0)) throw new Error(`track/shower loss weight ${b}: must be 0 or more`);
  if (b > 0 && classes !== 5) throw new Error(`track/shower loss: needs the 5 classes (HIP, MIP, shower, delta, Michel), not ${classes}`);
}

/** `siteLogits` holds the logits of `sites` sites, `stride` floats a site; row r reads site
 *  siteOfRow[r]. `wsum` is the sum of rowWeights (positive). */
export function weightedSoftmaxLoss(siteLogits: Float32Array, stride: number, sites: number, classes: number,
  siteOfRow: Int32Array, labels: Int32Array, rowWeights: Float32Array, wsum: number, soft?: SoftTargets, trackShowerWeight = 0): WeightedLoss {
  const C = classes, nRows = siteOfRow.length;
  const b = trackShowerWeight;
  checkTrackShowerWeight(b, C);
  const logits = new Float32Array(nRows * C), gradLogits = new Float32Array(nRows * C);
  const gradSites = new Float64Array(sites * stride);
  let loss = 0;
  const a = soft ? soft.weight : 0, q = soft?.probabilities;
  const target = new Float64Array(C), prob = new Float64Array(C);
  const groupOf = Int8Array.from({ length: C }, (_, j) => trackShowerOf(j));
  for (let r = 0; r < nRows; r++) {
    const s = siteOfRow[r], label = labels[r], w = rowWeights[r];
    let m = -Infinity;
    for (let j = 0; j < C; j++) { logits[r * C + j] = siteLogits[s * stride + j]; m = Math.max(m, logits[r * C + j]); }
    let z = 0;
    for (let j = 0; j < C; j++) z += Math.exp(logits[r * C + j] - m);
    const lse = m + Math.log(z);
    for (let j = 0; j < C; j++) prob[j] = Math.exp(logits[r * C + j] - lse);
    for (let j = 0; j < C; j++) target[j] = (j === label ? 1 - a : 0) + (q ? a * q[r * C + j] : 0);
    let ce = lse;
    for (let j = 0; j < C; j++) ce -= target[j] * logits[r * C + j];
    // The probability of the label's group (rows of weight 0, such as ignored sites, add nothing).
    const grouped = b > 0 && w > 0, g = groupOf[label];
    let pGroup = 0;
    if (grouped) for (let j = 0; j < C; j++) if (groupOf[j] === g) pGroup += prob[j];
    if (grouped) ce -= b * Math.log(pGroup);
    loss += w * ce;
    for (let j = 0; j < C; j++) {
      const group = grouped ? b * prob[j] * (1 - (groupOf[j] === g ? 1 / pGroup : 0)) : 0;
      const d = (w / wsum) * (prob[j] - target[j] + group);
      gradLogits[r * C + j] = d;
      gradSites[s * stride + j] += d;
    }
  }
  return { loss: loss / wsum, logits, gradLogits, gradSites };
}
