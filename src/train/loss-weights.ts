// Per-site loss weights. The loss is sum_i w_i CE_i / sum_i w_i, so only ratios matter.
// - none: every labelled site weighs 1.
// - class-inverse: per event, a site of class c weighs 1 / (number of classes present x count(c)),
//   so each class present contributes equally.
// - sparsessnet: SparseSSNet's weighting (MicroBooNE, arXiv:2012.08513): a cluster (particle
//   instance) term inverse to the cluster's size, clamped to (0.02-2) x 1e-2, so small clusters (Michel,
//   delta rays) count as much as big ones; plus a vertex term of 0.02 for sites within 3 px of a site
//   of another label (the places where tracks meet showers and are hardest to label). Summed.
// - sparsessnet+class-inverse: per event, half of the sparsessnet weights scaled to sum to 1 plus
//   half of the class-inverse ones (which sum to 1): the mean of the two objectives. Models
//   trained with each sit at two ends of a trade between the frequent and the rare classes, and
//   the mean of their weights beat both (models/README.md); this trains for the middle directly.
// Sites labelled IGNORE_LABEL weigh 0.

import { IGNORE_LABEL, N_CLASSES, type LabelledEvent } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";

export type WeightingScheme = "none" | "class-inverse" | "sparsessnet" | "sparsessnet+class-inverse";
export const WEIGHTING_SCHEMES: readonly WeightingScheme[] = ["none", "class-inverse", "sparsessnet", "sparsessnet+class-inverse"];

export const CLUSTER_WEIGHT_MIN = 0.02e-2;
export const CLUSTER_WEIGHT_MAX = 2e-2;
export const VERTEX_WEIGHT = 0.02;
export const VERTEX_RADIUS = 3;

export function lossWeights(ev: LabelledEvent, scheme: WeightingScheme): Float32Array {
  const labels = ev.labels;
  if (!labels) throw new InvalidInputError(`event ${ev.index}: no labels, cannot weight the loss`);
  const n = labels.length;
  const w = new Float32Array(n);
  switch (scheme) {
    case "none":
      for (let i = 0; i < n; i++) w[i] = labels[i] === IGNORE_LABEL ? 0 : 1;
      return w;
    case "class-inverse": {
      const counts = new Array<number>(N_CLASSES).fill(0);
      for (const l of labels) if (l < N_CLASSES) counts[l]++;
      const present = counts.filter((c) => c > 0).length;
      for (let i = 0; i < n; i++) w[i] = labels[i] < N_CLASSES ? 1 / (present * counts[labels[i]]) : 0;
      return w;
    }
    case "sparsessnet": {
      const cluster = clusterWeights(ev);
      const vertex = vertexWeights(ev);
      for (let i = 0; i < n; i++) w[i] = labels[i] < N_CLASSES ? cluster[i] + vertex[i] : 0;
      return w;
    }
    case "sparsessnet+class-inverse": {
      const a = lossWeights(ev, "sparsessnet"), b = lossWeights(ev, "class-inverse");
      let sum = 0;
      for (const v of a) sum += v;
      if (sum === 0) return w; // no labelled site: b is all zero too
      for (let i = 0; i < n; i++) w[i] = 0.5 * (a[i] / sum) + 0.5 * b[i];
      return w;
    }
    default:
      throw new InvalidInputError(`unknown weighting scheme "${scheme as string}" (use ${WEIGHTING_SCHEMES.join(", ")})`);
  }
}

/** 1 / size of the site's cluster, clamped to [CLUSTER_WEIGHT_MIN, CLUSTER_WEIGHT_MAX]. Without
 *  instance ids, a cluster is a class within the event. */
export function clusterWeights(ev: LabelledEvent): Float32Array {
  const labels = ev.labels!, n = labels.length;
  const ids = ev.instances ?? Int32Array.from(labels);
  const size = new Map<number, number>();
  for (let i = 0; i < n; i++) if (labels[i] < N_CLASSES) size.set(ids[i], (size.get(ids[i]) ?? 0) + 1);
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    if (labels[i] >= N_CLASSES) continue;
    w[i] = Math.min(CLUSTER_WEIGHT_MAX, Math.max(CLUSTER_WEIGHT_MIN, 1 / size.get(ids[i])!));
  }
  return w;
}

/** VERTEX_WEIGHT for a site with a site of another (valid) label within VERTEX_RADIUS px along
 *  every axis (a (2r+1)^dim box), else 0. Sites of the same coordinate with different labels are
 *  each other's neighbours, so such a coordinate is itself a boundary.
 *  How: each labelled site gets the key of its coordinate on a grid padded by r on every axis but
 *  the first, so that shifting by any offset of the box adds one constant to the key and never
 *  wraps into another row. The box is (2r+1)^(dim-1) rows along the last axis, each a range of
 *  2r+1 consecutive keys. Sorted by key, the sites stay sorted when shifted by one row's offset, so
 *  for each row one pointer walks the sorted keys once for all sites (as the rulebook merge does):
 *  O(rows x sites) and memory O(sites), for any spatial size, where a lookup per box position was
 *  15% of a 3D training iteration. */
export function vertexWeights(ev: LabelledEvent): Float32Array {
  const { coords, dim, spatialSize } = ev.tensor;
  const labels = ev.labels!, n = labels.length, r = VERTEX_RADIUS;
  const labelled: number[] = [];
  for (let i = 0; i < n; i++) if (labels[i] < N_CLASSES) labelled.push(i);
  const m = labelled.length;
  // Strides of the padded grid; keys are integers below 2^53 for any supported size.
  const stride = new Array<number>(dim).fill(1);
  for (let a = dim - 2; a >= 0; a--) stride[a] = stride[a + 1] * (spatialSize[a + 1] + 2 * r);
  const keyOf = (i: number) => {
    let k = 0;
    for (let a = 0; a < dim; a++) k += (coords[i * dim + a] + r) * stride[a];
    return k;
  };
  const keyOfSite = Float64Array.from(labelled, keyOf);
  const order = Int32Array.from(labelled.keys()).sort((p, q) => keyOfSite[p] - keyOfSite[q]);
  const key = Float64Array.from(order, (p) => keyOfSite[p]);
  const label = Uint8Array.from(order, (p) => labels[labelled[p]]);
  // The first site after q (in key order) whose label differs from q's, or m: a row's range holds
  // a site of another label than p's iff its first site has one, or that site's next differing one
  // is still in the range. So each row costs O(1) per site besides the pointer's walk.
  const nextOther = new Int32Array(m);
  for (let q = m - 1; q >= 0; q--) nextOther[q] = q === m - 1 ? m : label[q + 1] !== label[q] ? q + 1 : nextOther[q + 1];
  const hit = new Uint8Array(m);
  // The rows of the box: every offset of the first dim-1 axes (the last axis is the key range).
  const rows = (2 * r + 1) ** (dim - 1);
  for (let row = 0; row < rows; row++) {
    let shift = 0;
    for (let a = dim - 2, rest = row; a >= 0; a--, rest = Math.floor(rest / (2 * r + 1))) shift += ((rest % (2 * r + 1)) - r) * stride[a];
    let j = 0;
    for (let p = 0; p < m; p++) {
      const lo = key[p] + shift - r, hi = key[p] + shift + r;
      while (j < m && key[j] < lo) j++;
      if (hit[p] || j === m || key[j] > hi) continue;
      const q = label[j] !== label[p] ? j : nextOther[j];
      if (q < m && key[q] <= hi) hit[p] = 1;
    }
  }
  const w = new Float32Array(n);
  for (let p = 0; p < m; p++) if (hit[p]) w[labelled[order[p]]] = VERTEX_WEIGHT;
  return w;
}
