// Intra-event threads: the convolutions' output tiles split over threads sharing the wasm memory
// must give exactly the single-threaded bits, for 2D and 3D, several sizes and thread counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { createThreadedEngine } from "../src/node/threads.js";
import { randomWeights } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";

for (const threads of [2, 3]) {
  test(`${threads} threads give the single-thread bits`, async () => {
    const single = await Engine.create();
    const te = await createThreadedEngine(threads);
    try {
      assert.equal(te.engine.threads, threads);
      for (const [dim, size, sites, m] of [[2, 256, 3000, 8], [3, 64, 2500, 8], [2, 64, 40, 4]] as const) {
        const cfg = parseModelConfig({ dim, filters: m, depth: 4, leakiness: dim === 3 ? 0.1 : 0 });
        const w = randomWeights(buildUResNet(cfg), dim * 100 + sites);
        const a = single.loadModel(cfg, w), b = te.engine.loadModel(cfg, w);
        for (let e = 0; e < 3; e++) {
          const ev = randomWalkEvent({ dim, size, sites, seed: 1000 * dim + e, batch: e === 2 ? 2 : 1 });
          const want = single.run(a, ev).logits, got = te.engine.run(b, ev).logits;
          assert.deepEqual(new Uint32Array(got.buffer), new Uint32Array(want.buffer), `dim ${dim} event ${e}`);
        }
      }
    } finally {
      await te.close();
    }
  });
}
