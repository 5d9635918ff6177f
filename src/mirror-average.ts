// Test-time augmentation by mirror images: segment an event and its mirror images (every subset of
// the axes flipped, c -> size - 1 - c) and average the softmax scores per row. An event and its
// mirror image are equally likely in the detector (particles go every way), but the network is not
// mirror-symmetric: its learnt kernels are not. (A strided convolution's 2x2(x2) blocks are aligned
// to even coordinates; on a size that stays even down to the last strided convolution, as every
// bench and simulated size here does, a flip maps blocks to blocks, so the network on a mirror image
// is the network with its kernels flipped, on the event: checked on default-3d to 2e-6 in the
// logits.) So the 2^dim results differ a little, and their mean is a better estimate than any one
// of them (the shipped default-3d: 0.7 points more non-zero accuracy and 0.2 more track/shower on
// its 200 held-out events; earlier models up to 1.1 and 0.8; models/README.md). Averaging the
// weights over the flipped kernels instead, one model of the same cost, does not work: the learnt
// kernels are oriented, and their mirror mean loses 71 points of non-zero accuracy.
// It costs 2^dim runs. Axis permutations are not used. Real and simulated detectors smear charge
// across the drift axis only (axis 0 here), so a permutation that moves it makes unlike images:
// averaging over all six permutations too lost 10 points. Adding the swap of the two transverse
// axes gained 0.05 points for twice the runs.
//
// Deterministic: the images are run and summed in a fixed order (image 0 is the event itself) in
// float64, so the result has the same bits wherever each run does.

import { trackShowerOf } from "./data/labelled-event.js";
import { InvalidInputError } from "./errors.js";
import type { SegmentationResult } from "./engine.js";
import type { SparseTensor } from "./tensor/sparse-tensor.js";

/** The augmentations `segment` and `evaluate` offer: none, or the mean over the mirror images. */
export const AUGMENTATIONS = ["none", "mirror"] as const;
export type Augmentation = (typeof AUGMENTATIONS)[number];

/** The 2^dim mirror images of `t`: image m flips axis a when bit a of m is set (image 0 is `t`).
 *  Rows stay in their order, so per-row outputs line up. */
export function mirrorImages(t: SparseTensor): SparseTensor[] {
  const dim = t.dim;
  if (!Array.isArray(t.spatialSize) || t.spatialSize.length !== dim) {
    throw new InvalidInputError(`mirror images need the event's spatialSize (${dim} entries), got ${JSON.stringify(t.spatialSize)}`);
  }
  const images: SparseTensor[] = [t];
  for (let m = 1; m < 1 << dim; m++) {
    const coords = new Int32Array(t.coords.length);
    for (let i = 0; i < coords.length; i++) {
      const a = i % dim;
      coords[i] = (m >> a) & 1 ? t.spatialSize[a] - 1 - t.coords[i] : t.coords[i];
    }
    images.push({ ...t, coords });
  }
  return images;
}

/** `run` on `t` alone ("none") or on each of its mirror images, averaged ("mirror"). */
export function segmentAugmented(run: (t: SparseTensor) => SegmentationResult, t: SparseTensor, augment: Augmentation): SegmentationResult {
  if (augment === "none") return run(t);
  return averageResults(mirrorImages(t).map(run));
}

/** One result from the results of an event's mirror images (in mirrorImages' order): scores and
 *  logits are the means over the images, labels the argmax of the mean scores (the lower class on a
 *  tie). Work (multiply-adds) and time are the sums; taps, site rows and level sizes are image 0's. */
export function averageResults(results: SegmentationResult[]): SegmentationResult {
  if (results.length === 0) throw new Error("internal: averageResults of no results");
  const first = results[0], C = first.classes, n = first.nRows;
  for (const r of results) {
    if (r.nRows !== n || r.classes !== C) throw new Error(`internal: averaging results of ${r.nRows} x ${r.classes} and ${n} x ${C}`);
  }
  const mean = (pick: (r: SegmentationResult) => Float32Array) => {
    const sum = new Float64Array(n * C);
    for (const r of results) { const x = pick(r); for (let i = 0; i < sum.length; i++) sum[i] += x[i]; }
    return Float32Array.from(sum, (s) => s / results.length);
  };
  const scores = mean((r) => r.scores), logits = mean((r) => r.logits);
  const labels = new Uint8Array(n), trackShower = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (scores[r * C + c] > scores[r * C + best]) best = c;
    labels[r] = best;
    trackShower[r] = trackShowerOf(best);
  }
  const sum = (pick: (r: SegmentationResult) => number) => results.reduce((s, r) => s + pick(r), 0);
  return {
    ...first, scores, logits, labels, trackShower,
    multiplyAdds: sum((r) => r.multiplyAdds), convMultiplyAdds: sum((r) => r.convMultiplyAdds),
    timings: { geometryMs: sum((r) => r.timings.geometryMs), networkMs: sum((r) => r.timings.networkMs), totalMs: sum((r) => r.timings.totalMs) },
    profile: undefined, executedConvMultiplyAdds: undefined,
  };
}
