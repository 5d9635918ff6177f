// The training loss on the scores the decision stage decides on (src/model/smoothing.ts): each
// site's softmax scores p mixed with the mean scores of its active neighbours within the radius,
//   M_s = (1 - A) p_s + A (sum of p_j over the neighbours j of s) / m_s   (m_s of them; M_s = p_s if none),
// and the cross-entropy taken on M in place of p. A network trained on p alone and then mixed is
// scored on M although it never saw it; trained through the mix, it can leave to the neighbourhood
// what the neighbourhood decides better.
// The mix is linear in p and the neighbourhood is symmetric (j is a neighbour of s when s is of j),
// so the backward pass is the same neighbour sum:
//   dL/dp_j = (m_j > 0 ? 1 - A : 1) dL/dM_j + A sum over the neighbours s of j of dL/dM_s / m_s,
// then through the softmax: dL/dz_j = p_j (dL/dp_j - sum_k p_k dL/dp_k). Everything in float64; the
// neighbour sums (assembly/smoothing.ts, neighbourSums) add in a fixed order, so the same batch gives
// the same bits. The targets are those of weightedSoftmaxLoss (softmax-loss.ts): the label, or a
// teacher's mixture, and the track/shower term on the groups' summed mixed scores.

import { trackShowerOf } from "../data/labelled-event.js";
import { checkTrackShowerWeight, type SoftTargets, type WeightedLoss } from "./softmax-loss.js";

/** Per site, the float64 sums of `values` [sites, classes] over the site's neighbours, and how many. */
export type NeighbourSums = (values: Float64Array) => { sums: Float64Array; counts: Int32Array };

/** Mixed scores below this are taken as this in the logarithm (a score can underflow only when a
 *  logit is ~700 below the site's largest, which no trained network gives). */
const TINY = 1e-300;

/** As weightedSoftmaxLoss, with the cross-entropy on the mixed scores (share `share` to the
 *  neighbours' mean). A site's loss depends on its neighbours' logits, so the loss is not a sum over
 *  rows: gradSites holds dL/dlogits per site, and gradLogits gives each site's to its first row (the
 *  rows of a site still add up to it). */
export function mixedSoftmaxLoss(siteLogits: Float32Array, stride: number, sites: number, classes: number,
  siteOfRow: Int32Array, labels: Int32Array, rowWeights: Float32Array, wsum: number,
  share: number, neighbourSums: NeighbourSums, soft?: SoftTargets, trackShowerWeight = 0): WeightedLoss {
  const C = classes, nRows = siteOfRow.length, A = share, b = trackShowerWeight;
  if (!(A > 0 && A <= 1)) throw new Error(`mixed loss: share ${A} outside (0, 1]`);
  checkTrackShowerWeight(b, C);
  // The sites' softmax scores.
  const p = new Float64Array(sites * C);
  for (let s = 0; s < sites; s++) {
    let m = -Infinity;
    for (let j = 0; j < C; j++) m = Math.max(m, siteLogits[s * stride + j]);
    let z = 0;
    for (let j = 0; j < C; j++) z += Math.exp(siteLogits[s * stride + j] - m);
    const lse = m + Math.log(z);
    for (let j = 0; j < C; j++) p[s * C + j] = Math.exp(siteLogits[s * stride + j] - lse);
  }
  // The rows' logits now: neighbourSums may grow the memory siteLogits is a view of.
  const logits = new Float32Array(nRows * C);
  for (let r = 0; r < nRows; r++) for (let j = 0; j < C; j++) logits[r * C + j] = siteLogits[siteOfRow[r] * stride + j];
  // The mix.
  const { sums, counts } = neighbourSums(p);
  const mixed = new Float64Array(sites * C);
  for (let s = 0; s < sites; s++) {
    const m = counts[s];
    for (let j = 0; j < C; j++) mixed[s * C + j] = m > 0 ? (1 - A) * p[s * C + j] + A * (sums[s * C + j] / m) : p[s * C + j];
  }
  // The loss and dL/dM per site.
  const gMixed = new Float64Array(sites * C);
  const a = soft ? soft.weight : 0, q = soft?.probabilities;
  const groupOf = Int8Array.from({ length: C }, (_, j) => trackShowerOf(j));
  let loss = 0;
  for (let r = 0; r < nRows; r++) {
    const s = siteOfRow[r], label = labels[r], w = rowWeights[r];
    const grouped = b > 0 && w > 0, g = groupOf[label];
    let pGroup = 0;
    if (grouped) for (let j = 0; j < C; j++) if (groupOf[j] === g) pGroup += mixed[s * C + j];
    pGroup = Math.max(pGroup, TINY);
    let ce = grouped ? -b * Math.log(pGroup) : 0;
    for (let j = 0; j < C; j++) {
      const t = (j === label ? 1 - a : 0) + (q ? a * q[r * C + j] : 0);
      const M = Math.max(mixed[s * C + j], TINY);
      if (t !== 0) ce -= t * Math.log(M);
      gMixed[s * C + j] += (w / wsum) * (-t / M - (grouped && groupOf[j] === g ? b / pGroup : 0));
    }
    loss += w * ce;
  }
  // Back through the mix: a site's own share, and its share of each neighbour's mean.
  const scaled = new Float64Array(sites * C);
  for (let s = 0; s < sites; s++) {
    const m = counts[s];
    if (m > 0) for (let j = 0; j < C; j++) scaled[s * C + j] = A * gMixed[s * C + j] / m;
  }
  const back = neighbourSums(scaled).sums;
  const gradSites = new Float64Array(sites * stride);
  for (let s = 0; s < sites; s++) {
    const own = counts[s] > 0 ? 1 - A : 1;
    let dot = 0;
    for (let j = 0; j < C; j++) {
      const gp = own * gMixed[s * C + j] + back[s * C + j];
      scaled[s * C + j] = gp; // reused: dL/dp
      dot += p[s * C + j] * gp;
    }
    for (let j = 0; j < C; j++) gradSites[s * stride + j] = p[s * C + j] * (scaled[s * C + j] - dot);
  }
  // Per row: each site's gradient on its first row, and the mixed scores its label is decided on.
  const gradLogits = new Float32Array(nRows * C), decision = new Float32Array(nRows * C);
  const given = new Uint8Array(sites);
  for (let r = 0; r < nRows; r++) {
    const s = siteOfRow[r];
    for (let j = 0; j < C; j++) decision[r * C + j] = mixed[s * C + j];
    if (given[s]) continue;
    given[s] = 1;
    for (let j = 0; j < C; j++) gradLogits[r * C + j] = gradSites[s * stride + j];
  }
  return { loss: loss / wsum, logits, gradLogits, gradSites, decision };
}
