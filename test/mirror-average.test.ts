// Mirror-image averaging (src/mirror-average.ts): the mean over an event's mirror images, checked
// against the engine's result on each image, and the symmetry it must have: a mirror image of the
// event gets the same averaged scores as the event (the same set of images, summed in another order).
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { averageResults, mirrorImages, segmentAugmented } from "../src/mirror-average.js";
import { randomWeights } from "../src/weights/random-init.js";
import type { WeightTensors } from "../src/weights/scn.js";
import { randomWalkEvent } from "./support/events.js";

const engine = await Engine.create();

test("mirror images: 2^dim of them, the first the event itself, each flip undone by itself", () => {
  const t = randomWalkEvent({ dim: 3, size: 20, sites: 150, seed: 3, batch: 2 });
  const images = mirrorImages(t);
  assert.equal(images.length, 8);
  assert.equal(images[0], t);
  for (const [m, im] of images.entries()) {
    assert.equal(im.batch, t.batch);
    const back = mirrorImages(im)[m];
    assert.deepEqual(back.coords, t.coords);
    for (let i = 0; i < im.coords.length; i++) {
      const a = i % 3, flipped = ((m >> a) & 1) === 1;
      assert.equal(im.coords[i], flipped ? 19 - t.coords[i] : t.coords[i]);
    }
  }
});

for (const dim of [2, 3] as const) {
  test(`${dim}D: averaged scores are the mean of the images' scores; a mirrored event gets the same averages`, () => {
    const cfg = parseModelConfig({ dim, filters: 4, depth: 3 });
    const model = engine.loadModel(cfg, randomWeights(buildUResNet(cfg), 2));
    const t = randomWalkEvent({ dim, size: dim === 2 ? 40 : 24, sites: 200, seed: 5, duplicates: 10 });
    const run = (x: typeof t) => engine.run(model, x);
    const avg = segmentAugmented(run, t, "mirror");
    const each = mirrorImages(t).map(run);
    assert.deepEqual(segmentAugmented(run, t, "none").scores, each[0].scores);
    const C = avg.classes;
    for (let i = 0; i < avg.scores.length; i++) {
      const mean = each.reduce((s, r) => s + r.scores[i], 0) / each.length;
      assert.ok(Math.abs(avg.scores[i] - mean) <= 1e-6, `score ${i}: ${avg.scores[i]} vs ${mean}`);
    }
    for (let r = 0; r < avg.nRows; r++) {
      const row = Array.from(avg.scores.subarray(r * C, (r + 1) * C));
      assert.equal(avg.labels[r], row.indexOf(Math.max(...row)));
      assert.equal(avg.trackShower[r], avg.labels[r] < 2 ? 0 : 1);
    }
    // Mirror images of the images differ from the event's at least somewhere (else averaging does nothing).
    assert.ok(each.some((r) => r.scores.some((s, i) => s !== each[0].scores[i])));
    for (const m of [1, (1 << dim) - 1]) {
      const other = averageResults(mirrorImages(mirrorImages(t)[m]).map(run));
      for (let i = 0; i < avg.scores.length; i++) {
        assert.ok(Math.abs(other.scores[i] - avg.scores[i]) <= 1e-6, `image ${m}, score ${i}: ${other.scores[i]} vs ${avg.scores[i]}`);
      }
    }
  });
}

test("mirror averaging is deterministic: the same bits twice", () => {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 3 });
  const model = engine.loadModel(cfg, randomWeights(buildUResNet(cfg), 4));
  const t = randomWalkEvent({ dim: 2, size: 32, sites: 150, seed: 9 });
  const a = segmentAugmented((x) => engine.run(model, x), t, "mirror");
  const b = segmentAugmented((x) => engine.run(model, x), t, "mirror");
  assert.deepEqual(b.scores, a.scores);
  assert.deepEqual(b.logits, a.logits);
});

/** `w` with every convolution kernel flipped along `axis`: offsets enumerate {0..ks-1}^dim with the
 *  last axis fastest (SparseConvNet's order), so the flip maps digit d of that axis to ks - 1 - d. */
function flipKernels(w: WeightTensors, dim: number, axis: number): WeightTensors {
  const out: WeightTensors = new Map();
  for (const [name, t] of w) {
    const K = t.shape[0], ks = K === 3 ** dim ? 3 : K === 2 ** dim ? 2 : 0;
    if (t.shape.length !== 4 || !ks) { out.set(name, t); continue; }
    const per = t.data.length / K, data = new Float32Array(t.data.length);
    for (let k = 0; k < K; k++) {
      const digits = Array.from({ length: dim }, (_, a) => Math.floor(k / ks ** (dim - 1 - a)) % ks);
      digits[axis] = ks - 1 - digits[axis];
      data.set(t.data.subarray(k * per, (k + 1) * per), digits.reduce((acc, d) => acc * ks + d, 0) * per);
    }
    out.set(name, { shape: t.shape, data });
  }
  return out;
}

test("the network on a mirror image is the network with flipped kernels on the event (even sizes: strided blocks map to blocks)", () => {
  // An independent check of the geometry of every convolution kind: submanifold, strided and transposed
  // offsets, and the block alignment of the strided ones, all have to agree with the flip.
  for (const [dim, size] of [[2, 48], [3, 32]] as const) {
    const cfg = parseModelConfig({ dim, filters: 4, depth: 4 });
    const w = randomWeights(buildUResNet(cfg), 7);
    const t = randomWalkEvent({ dim, size, sites: 300, seed: 11 });
    const images = mirrorImages(t);
    for (let axis = 0; axis < dim; axis++) {
      const onImage = engine.run(engine.loadModel(cfg, w), images[1 << axis]).logits;
      const flipped = engine.run(engine.loadModel(cfg, flipKernels(w, dim, axis)), t).logits;
      let maxDiff = 0, maxRef = 0;
      for (let i = 0; i < onImage.length; i++) { maxDiff = Math.max(maxDiff, Math.abs(onImage[i] - flipped[i])); maxRef = Math.max(maxRef, Math.abs(onImage[i])); }
      // Not bit for bit: the flipped kernels sum their offsets in another order.
      assert.ok(maxDiff <= 1e-5 * Math.max(1, maxRef), `${dim}D axis ${axis}: max |diff| ${maxDiff} of ${maxRef}`);
    }
  }
});
