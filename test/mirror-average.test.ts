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
