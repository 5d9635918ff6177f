// Bad input gets a typed error that names what is wrong, and the engine stays usable: after every
// rejected event the same good event still gives the same bits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { InvalidConfigError, InvalidInputError, SparseSSNetError } from "../src/errors.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import type { SparseTensor } from "../src/tensor/sparse-tensor.js";
import { randomWeights } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";

const engine = await Engine.create();
const cfg = parseModelConfig({ dim: 2, filters: 8, depth: 4 });
const model = engine.loadModel(cfg, randomWeights(buildUResNet(cfg), 1));
const good = randomWalkEvent({ dim: 2, size: 64, sites: 300, seed: 3 });
const reference = engine.run(model, good).logits;

function rejects(t: SparseTensor, pattern: RegExp, type: new (...a: never[]) => SparseSSNetError = InvalidInputError) {
  assert.throws(() => engine.run(model, t), (e: unknown) => {
    assert.ok(e instanceof type, `expected ${type.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    assert.match((e as Error).message, pattern);
    return true;
  });
  const again = engine.run(model, good).logits;
  assert.deepEqual(new Uint32Array(again.buffer), new Uint32Array(reference.buffer), "engine still gives the same bits");
}

const withCoord = (r: number, a: number, v: number): SparseTensor => {
  const coords = good.coords.slice();
  coords[r * 2 + a] = v;
  return { ...good, coords };
};

test("negative coordinate", () => rejects(withCoord(5, 1, -1), /row 5: coordinate 1 = -1 is outside \[0, 64\)/));
test("coordinate beyond the spatial size", () => rejects(withCoord(7, 0, 64), /row 7: coordinate 0 = 64 is outside \[0, 64\)/));
test("coordinates of the wrong dimension", () => {
  rejects({ ...good, dim: 3, spatialSize: [64, 64, 64] }, /event has dim 3 but the model is 2D/);
  rejects({ ...good, coords: good.coords.subarray(0, 599 * 1 + 0) }, /not a multiple of dim 2|features has/);
});
test("NaN and Inf features", () => {
  const f1 = good.features.slice(); f1[12] = NaN;
  rejects({ ...good, features: f1 }, /row 12: feature 0 is NaN/);
  const f2 = good.features.slice(); f2[40] = -Infinity;
  rejects({ ...good, features: f2 }, /row 40: feature 0 is -Infinity/);
});
test("features of the wrong length", () => {
  rejects({ ...good, features: good.features.subarray(1) }, /features has 299 values but 300 rows x 1 channel\(s\) need 300/);
  rejects({ ...good, channels: 2 }, /2 feature channel\(s\) per row but the model takes 1/);
});
test("spatial size of the wrong length", () => {
  rejects({ ...good, spatialSize: [64] }, /spatialSize \[64\] must have 2 entries/);
});
test("a spatial size that 2^(depth-1) does not divide works as the size rounded up to it, bit for bit", () => {
  // Sites up to the last row and column of a 60 x 60 grid: halving 60 three times without the
  // padding would put the coarsest sites outside their level's grid (59 >> 3 = 7 = 60 >> 3).
  const ev = randomWalkEvent({ dim: 2, size: 60, sites: 300, seed: 3 });
  const coords = ev.coords.slice();
  coords[0] = 59; coords[1] = 59; coords[2] = 59; coords[3] = 58;
  const odd = { ...ev, coords, spatialSize: [60, 60] };
  const a = engine.run(model, odd).logits, b = engine.run(model, { ...odd, spatialSize: [64, 64] }).logits;
  assert.deepEqual(new Uint32Array(a.buffer), new Uint32Array(b.buffer));
});
test("wrong array types and negative batch", () => {
  rejects({ ...good, coords: Float32Array.from(good.coords) as unknown as Int32Array }, /coords must be an Int32Array/);
  rejects({ ...good, batch: new Int32Array(300).fill(-2) }, /row 0: batch index -2 is negative/);
  rejects({ ...good, batch: new Int32Array(3) }, /batch has 3 entries for 300 rows/);
});
test("an empty event is valid and gives empty outputs", () => {
  const r = engine.run(model, { ...good, coords: new Int32Array(0), features: new Float32Array(0) });
  assert.equal(r.nRows, 0);
  assert.equal(r.logits.length, 0);
  assert.equal(r.labels.length, 0);
  assert.deepEqual(new Uint32Array(engine.run(model, good).logits.buffer), new Uint32Array(reference.buffer));
});
test("invalid configs name the field", () => {
  assert.throws(() => parseModelConfig({ dim: 4, filters: 8 }), (e: unknown) => e instanceof InvalidConfigError && /dim/.test((e as Error).message));
  assert.throws(() => parseModelConfig({ dim: 2, filters: 8, depth: 3, planes: [8, 16] }), /planes has 2 entries but depth is 3/);
  assert.throws(() => parseModelConfig({ dim: 2, filters: 8, inputKernel: 4 }), /inputKernel/);
  assert.throws(() => parseModelConfig({ dim: 2, filters: 8, color: "red" }), /color|Unrecognized/);
});
test("an unknown tap is refused before the event runs", () => {
  assert.throws(() => engine.run(model, good, { taps: ["nope"] }), /unknown tap "nope"/);
});
