// Input preparation: SparseSSNet's threshold window, NaN and zero sites dropped, duplicates kept
// as rows (the engine sums them), dense images to sparse.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { EngineFault } from "../src/errors.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { prepareSparse, sparseFromImage } from "../src/tensor/prepare.js";
import { randomWeights } from "../src/weights/random-init.js";

test("prepareSparse keeps 10 <= value <= 300, drops NaN and zero rows, keeps duplicates and batch", () => {
  const t = {
    dim: 2 as const, spatialSize: [16, 16], channels: 1,
    coords: Int32Array.from([0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 1]),
    features: Float32Array.from([5, 10, NaN, 0, 300, 301, 150]),
    batch: Int32Array.from([0, 0, 0, 1, 1, 1, 1]),
  };
  const { tensor, keptRows } = prepareSparse(t, { window: { min: 10, max: 300 } });
  assert.deepEqual(Array.from(keptRows), [1, 4, 6]);
  assert.deepEqual(Array.from(tensor.coords), [0, 1, 0, 4, 0, 1]);
  assert.deepEqual(Array.from(tensor.features), [10, 300, 150]);
  assert.deepEqual(Array.from(tensor.batch!), [0, 1, 1]);
  const noWindow = prepareSparse(t);
  assert.deepEqual(Array.from(noWindow.keptRows), [0, 1, 4, 5, 6]);
  assert.throws(() => prepareSparse(t, { window: { min: 5, max: 1 } }), /threshold window \[5, 1\] is empty/);
});

test("sparseFromImage turns a dense wire-plane image into active pixels (row, column)", () => {
  const img = new Float32Array(4 * 6);
  img[1 * 6 + 2] = 50; img[3 * 6 + 5] = 9; img[0] = NaN; img[2 * 6 + 0] = 400; img[2 * 6 + 1] = 20;
  const t = sparseFromImage(img, 4, 6, { window: { min: 10, max: 300 } });
  assert.deepEqual(t.spatialSize, [4, 6]);
  assert.deepEqual(Array.from(t.coords), [1, 2, 2, 1]);
  assert.deepEqual(Array.from(t.features), [50, 20]);
  assert.throws(() => sparseFromImage(img, 5, 6), /image has 24 pixels, expected 5 x 6 = 30/);
});

test("a kernel fault reaches the user as EngineFault with context, and the engine recovers", async () => {
  const engine = await Engine.create();
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 2 });
  const model = engine.loadModel(cfg, randomWeights(buildUResNet(cfg), 1));
  const ev = { dim: 2 as const, spatialSize: [8, 8], channels: 1, coords: Int32Array.from([1, 1, 1, 2, 5, 5]), features: Float32Array.from([1, 2, 3]) };
  const good = engine.run(model, ev).logits;
  const inner = engine as unknown as { k: Record<string, unknown> };
  const kernels = inner.k;
  // Simulate a trapping kernel that also scribbles over linear memory (weights included).
  inner.k = {
    ...kernels, memory: kernels.memory,
    convRules: () => { new Uint8Array((kernels.memory as WebAssembly.Memory).buffer).fill(7, 0, 1 << 20); throw new WebAssembly.RuntimeError("unreachable"); },
  };
  assert.throws(() => engine.run(model, ev), (e: unknown) => e instanceof EngineFault && /kernel failure on an event of 3 rows: unreachable/.test((e as Error).message));
  inner.k = kernels;
  assert.deepEqual(new Uint32Array(engine.run(model, ev).logits.buffer), new Uint32Array(good.buffer));
});
