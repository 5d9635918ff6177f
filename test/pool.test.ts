// The worker pool gives every event exactly the bits a single engine gives, whichever worker runs
// it, and rejects bad input with the engine's own error while the pool stays usable.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { InvalidInputError } from "../src/errors.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { segmentAugmented } from "../src/mirror-average.js";
import { SegmentationPool } from "../src/node/worker-pool.js";
import { writeModelFile } from "../src/weights/model-file.js";
import { randomWeights } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";

test("2 workers: same bits as one engine for every event; bad input rejected, pool still works", async () => {
  const cfg = parseModelConfig({ dim: 3, filters: 8, depth: 4 });
  const weights = randomWeights(buildUResNet(cfg), 21);
  const pool = await SegmentationPool.create({ modelBytes: writeModelFile(cfg, weights), workers: 2 });
  try {
    const engine = await Engine.create();
    const model = engine.loadModel(cfg, weights);
    const events = Array.from({ length: 8 }, (_, i) => randomWalkEvent({ dim: 3, size: 32, sites: 200 + 50 * i, seed: 40 + i }));
    const results = await Promise.all(events.map((e) => pool.run(e)));
    results.forEach((r, i) => {
      const want = engine.run(model, events[i]);
      assert.deepEqual(new Uint32Array(r.logits.buffer, r.logits.byteOffset, r.logits.length), new Uint32Array(want.logits.buffer));
      assert.deepEqual(Array.from(r.labels), Array.from(want.labels));
    });
    const bad = { ...events[0], features: events[0].features.map((v, i) => (i === 3 ? NaN : v)) };
    await assert.rejects(async () => pool.run(bad), (e: unknown) => e instanceof InvalidInputError && /row 3: feature 0 is NaN/.test((e as Error).message));
    const again = await pool.run(events[1]);
    assert.equal(again.nRows, events[1].coords.length / 3);
  } finally {
    await pool.close();
  }
});

test("a pool with mirror averaging gives the bits of in-process mirror averaging", async () => {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 3 });
  const weights = randomWeights(buildUResNet(cfg), 22);
  const pool = await SegmentationPool.create({ modelBytes: writeModelFile(cfg, weights), workers: 2, augment: "mirror" });
  try {
    const engine = await Engine.create();
    const model = engine.loadModel(cfg, weights);
    const events = Array.from({ length: 3 }, (_, i) => randomWalkEvent({ dim: 2, size: 48, sites: 150 + 40 * i, seed: 60 + i }));
    const results = await Promise.all(events.map((e) => pool.run(e)));
    results.forEach((r, i) => {
      const want = segmentAugmented((t) => engine.run(model, t), events[i], "mirror");
      assert.deepEqual(new Uint32Array(r.scores.buffer, r.scores.byteOffset, r.scores.length), new Uint32Array(want.scores.buffer));
      assert.notDeepEqual(Array.from(r.scores), Array.from(engine.run(model, events[i]).scores));
    });
  } finally {
    await pool.close();
  }
});
