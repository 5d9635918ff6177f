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
 *  every axis (a (2r+1)^dim box), else 0. */
export function vertexWeights(ev: LabelledEvent): Float32Array {
  const { coords, dim, spatialSize } = ev.tensor;
  const labels = ev.labels!, n = labels.length, r = VERTEX_RADIUS;
  const s1 = spatialSize[1] + 2 * r, s2 = dim === 3 ? spatialSize[2] + 2 * r : 1;
  // Key of a (shifted, so never negative) coordinate; an integer below 2^53 for any supported size.
  const key = (a: number, b: number, c: number) => ((a + r) * s1 + (b + r)) * s2 + (c + r);
  const labelAt = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    if (labels[i] >= N_CLASSES) continue;
    const k = key(coords[i * dim], coords[i * dim + 1], dim === 3 ? coords[i * dim + 2] : -r);
    const have = labelAt.get(k);
    // A coordinate repeated with different labels is itself a boundary.
    labelAt.set(k, have === undefined || have === labels[i] ? labels[i] : -1);
  }
  const w = new Float32Array(n);
  const dz = dim === 3 ? r : 0;
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    if (l >= N_CLASSES) continue;
    const x = coords[i * dim], y = coords[i * dim + 1], z = dim === 3 ? coords[i * dim + 2] : -r;
    let hit = false;
    for (let a = -r; a <= r && !hit; a++) {
      for (let b = -r; b <= r && !hit; b++) {
        for (let c = -dz; c <= dz; c++) {
          const m = labelAt.get(key(x + a, y + b, z + c));
          if (m !== undefined && m !== l) { hit = true; break; }
        }
      }
    }
    if (hit) w[i] = VERTEX_WEIGHT;
  }
  return w;
}
