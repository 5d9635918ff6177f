// Input preparation: SparseSSNet's threshold window, NaN and zero sites dropped, duplicates kept
// as rows (the engine sums them), dense images to sparse.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { EngineFault, ModelDamagedError } from "../src/errors.js";
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

test("a kernel fault reaches the user as EngineFault with context; weights it overwrote are detected, not used", async () => {
  const engine = await Engine.create();
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 2 });
  const weights = randomWeights(buildUResNet(cfg), 1);
  let model = engine.loadModel(cfg, weights);
  const ev = { dim: 2 as const, spatialSize: [8, 8], channels: 1, coords: Int32Array.from([1, 1, 1, 2, 5, 5]), features: Float32Array.from([1, 2, 3]) };
  const good = engine.run(model, ev).logits;
  const inner = engine as unknown as { k: Record<string, unknown> };
  const kernels = inner.k;
  const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
  const failWith = (scribble: boolean) => {
    inner.k = {
      ...kernels, memory: kernels.memory,
      convRules: () => {
        if (scribble) new Uint8Array((kernels.memory as WebAssembly.Memory).buffer).fill(7, 0, 1 << 20);
        throw new WebAssembly.RuntimeError("unreachable");
      },
    };
  };
  // A trap that wrote nothing: the weights are intact and the model runs on with the same bits.
  failWith(false);
  assert.throws(() => engine.run(model, ev), (e: unknown) => e instanceof EngineFault && /kernel failure on an event of 3 rows: unreachable; the loaded weights are intact/.test((e as Error).message));
  inner.k = kernels;
  assert.deepEqual(bits(engine.run(model, ev).logits), bits(good));
  // A trap after scribbling over linear memory (weights included): the model refuses to run
  // until it is loaded again, then gives the same bits.
  failWith(true);
  assert.throws(() => engine.run(model, ev), (e: unknown) => e instanceof EngineFault && /wrote over the weights of 1 loaded model/.test((e as Error).message));
  inner.k = kernels;
  assert.equal(engine.isDamaged(model), true);
  assert.throws(() => engine.run(model, ev), (e: unknown) => e instanceof ModelDamagedError && /unload it and load it again/.test((e as Error).message));
  engine.unloadModel(model);
  model = engine.loadModel(cfg, weights);
  assert.equal(engine.isDamaged(model), false);
  assert.deepEqual(bits(engine.run(model, ev).logits), bits(good));
});
