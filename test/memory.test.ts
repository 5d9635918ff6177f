// One arena reused across events: after a warm-up, 1,000 further events of the same size (each a
// different random event) must not grow the wasm memory at all.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { randomWeights } from "../src/weights/random-init.js";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidWeightsError } from "../src/errors.js";
import { loadModelInto } from "../src/node/model-io.js";
import { writeModelFile } from "../src/weights/model-file.js";
import { parseSafetensors, safetensorsHeaderBytes, serializeSafetensors, type Tensor } from "../src/weights/safetensors.js";
import { packedLength, packsAsStored } from "../src/weights/scn.js";
import { alignLine } from "../src/backend/wasm/arena.js";
import { randomWalkEvent } from "./support/events.js";

const engine = await Engine.create();

test("wasm memory does not grow over 1,000 events of the same size", () => {
  const cfg = parseModelConfig({ dim: 2, filters: 8, depth: 4 });
  const model = engine.loadModel(cfg, randomWeights(buildUResNet(cfg), 1));
  const event = (seed: number) => randomWalkEvent({ dim: 2, size: 128, sites: 400, seed });
  for (let i = 0; i < 20; i++) engine.run(model, event(100000 + i));
  const before = engine.memoryBytes;
  let sites = 0;
  for (let i = 0; i < 1000; i++) sites += engine.run(model, event(i)).nSites;
  assert.equal(sites, 400 * 1000, "every event had 400 distinct sites");
  assert.equal(engine.memoryBytes, before, `memory grew from ${before} to ${engine.memoryBytes} bytes`);
});

test("unloading models frees their memory; the other models keep their results; an unloaded model is refused", () => {
  const cfgs = [parseModelConfig({ dim: 2, filters: 8, depth: 3 }), parseModelConfig({ dim: 2, filters: 12, depth: 3 }), parseModelConfig({ dim: 2, filters: 4, depth: 3 })];
  const ev = randomWalkEvent({ dim: 2, size: 64, sites: 300, seed: 9 });
  const models = cfgs.map((c, i) => engine.loadModel(c, randomWeights(buildUResNet(c), i)));
  const before = models.map((m) => engine.run(m, ev).logits);
  engine.unloadModel(models[1]);
  for (const i of [0, 2]) assert.deepEqual(new Uint32Array(engine.run(models[i], ev).logits.buffer), new Uint32Array(before[i].buffer));
  assert.throws(() => engine.run(models[1], ev), /not loaded in this engine/);
  const mem = engine.memoryBytes;
  for (let i = 0; i < 30; i++) {
    const m = engine.loadModel(cfgs[1], randomWeights(buildUResNet(cfgs[1]), 7));
    engine.run(m, ev);
    engine.unloadModel(m);
  }
  assert.equal(engine.memoryBytes, mem, "loading and unloading a model 30 times grew the memory");
  // A weight set that fails to load part-way leaves nothing behind: the loads after it land
  // where it started, and the loaded models keep their bits.
  const bad = randomWeights(buildUResNet(cfgs[1]), 7);
  bad.delete([...bad.keys()].at(-1)!);
  for (let i = 0; i < 30; i++) assert.throws(() => engine.loadModel(cfgs[1], bad), /missing|not found|no tensor/i);
  const m = engine.loadModel(cfgs[1], randomWeights(buildUResNet(cfgs[1]), 7));
  assert.equal(engine.memoryBytes, mem, "failed loads grew the memory");
  for (const i of [0, 2]) assert.deepEqual(new Uint32Array(engine.run(models[i], ev).logits.buffer), new Uint32Array(before[i].buffer));
  engine.unloadModel(m);
});

test("two models whose events have the same level sizes do not share buffer plans", async () => {
  const a = parseModelConfig({ dim: 2, filters: 8, depth: 3 }), b = parseModelConfig({ dim: 2, filters: 16, depth: 3 });
  const ev = randomWalkEvent({ dim: 2, size: 64, sites: 200, seed: 10 });
  const wa = randomWeights(buildUResNet(a), 1), wb = randomWeights(buildUResNet(b), 2);
  const ma = engine.loadModel(a, wa), mb = engine.loadModel(b, wb);
  engine.run(ma, ev);
  const rb = engine.run(mb, ev).logits;
  const solo = await Engine.create();
  const want = solo.run(solo.loadModel(b, wb), ev).logits;
  assert.deepEqual(new Uint32Array(rb.buffer), new Uint32Array(want.buffer));
  engine.unloadModel(ma);
  engine.unloadModel(mb);
});

test("a model file read straight into wasm memory runs like its weights; a truncated file or a NaN weight is refused and leaves nothing behind", async () => {
  const cfg = parseModelConfig({ dim: 2, filters: 8, depth: 4 });
  const weights = randomWeights(buildUResNet(cfg), 11);
  const dir = mkdtempSync(join(tmpdir(), "sparsessnet-load-"));
  const file = join(dir, "m.safetensors"), cut = join(dir, "cut.safetensors");
  const bytes = writeModelFile(cfg, weights);
  writeFileSync(file, bytes);
  writeFileSync(cut, bytes.subarray(0, bytes.length - 100));
  // A NaN in a convolution's weights, found by the engine's wasm scan of the file in its memory.
  const convName = [...weights.keys()].find((n) => weights.get(n)!.shape.length === 4 && weights.get(n)!.data.length > 40)!;
  const poisoned = new Map([...weights].map(([n, t]) => [n, { shape: t.shape, data: n === convName ? t.data.slice() : t.data }]));
  poisoned.get(convName)!.data[37] = NaN;
  const nan = join(dir, "nan.safetensors");
  writeFileSync(nan, writeModelFile(cfg, poisoned));
  const ev = randomWalkEvent({ dim: 2, size: 96, sites: 500, seed: 12 });
  const solo = await Engine.create();
  const want = solo.run(solo.loadModel(cfg, weights), ev).logits;
  const fresh = await Engine.create();
  for (let i = 0; i < 3; i++) {
    assert.throws(() => loadModelInto(fresh, cut), (e: unknown) => e instanceof InvalidWeightsError && /past the end of the data \(\d+ bytes; truncated file\?\)/.test((e as Error).message));
    assert.throws(() => loadModelInto(fresh, nan), (e: unknown) => e instanceof InvalidWeightsError && (e as Error).message.includes(`tensor "${convName}" element 37 is NaN`));
  }
  const m = loadModelInto(fresh, file);
  assert.deepEqual(new Uint32Array(fresh.run(m, ev).logits.buffer), new Uint32Array(want.buffer));
  // The failed loads left no weights behind: this model sits where the first load would have.
  assert.equal(m.paramBase, (fresh as unknown as { k: { heapBase(): number } }).k.heapBase());
});

test("a model file's weights in the kernels' layout stay where the file put them; a file with none is packed over; both run like loadModel, and unloading compacts", async () => {
  const cfg = parseModelConfig({ dim: 2, filters: 16, depth: 3 });
  const graph = buildUResNet(cfg);
  const weights = randomWeights(graph, 21);
  const dir = mkdtempSync(join(tmpdir(), "sparsessnet-inplace-"));
  const f32 = join(dir, "f32.safetensors"), f64 = join(dir, "f64.safetensors");
  const f32Bytes = writeModelFile(cfg, weights);
  writeFileSync(f32, f32Bytes);
  // The same weights stored as F64: every tensor is converted, so none can be used in place.
  const asF64 = new Map<string, Tensor>([...weights].map(([n, t]) => [n, { dtype: "F64", shape: t.shape, data: Float64Array.from(t.data) }]));
  writeFileSync(f64, serializeSafetensors(asF64, { format: "sparsessnet-scn-state-dict", config: JSON.stringify(cfg) }));
  const ev = randomWalkEvent({ dim: 2, size: 96, sites: 600, seed: 22 });
  const solo = await Engine.create();
  const want = new Uint32Array(solo.run(solo.loadModel(cfg, weights), ev).logits.buffer);
  const bits = (e: Engine, m: ReturnType<Engine["loadModel"]>) => new Uint32Array(e.run(m, ev).logits.buffer);

  const packedSpan = graph.params.reduce((n, p) => n + alignLine(packedLength(p) * 4), 0);
  const convSpan = graph.params.filter(packsAsStored).reduce((n, p) => n + alignLine(packedLength(p) * 4), 0);
  const e = await Engine.create();
  const packed = loadModelInto(e, f64);
  assert.equal(packed.paramEnd - packed.paramBase, packedSpan, "nothing in place: only the packed groups stay");
  const inPlace = loadModelInto(e, f32);
  assert.equal(inPlace.paramBase, packed.paramEnd);
  const span = inPlace.paramEnd - inPlace.paramBase;
  assert.ok(span >= f32Bytes.length && span <= f32Bytes.length + 64 + (packedSpan - convSpan) + 64,
    `in place: the file and the packed rest stay (${span} bytes for a ${f32Bytes.length}-byte file)`);
  // Each such group's pointer is the file's start in memory plus the tensor's offset in the file,
  // the same start for all of them, with the tensor data on a cache line.
  const raw = parseSafetensors(f32Bytes).tensors;
  const fileAts = new Set(graph.params.filter(packsAsStored).map((p) => inPlace.paramPtr.get(p.prefix)! - (raw.get(`${p.prefix}.weight`)!.bytes.byteOffset - f32Bytes.byteOffset)));
  assert.equal(fileAts.size, 1, "every convolution's weights used where the file put them");
  const fileAt = [...fileAts][0];
  assert.ok(fileAt >= inPlace.paramBase && fileAt < inPlace.paramBase + 64 && (fileAt + safetensorsHeaderBytes(f32Bytes)) % 64 === 0);
  assert.deepEqual(bits(e, packed), want);
  assert.deepEqual(bits(e, inPlace), want);
  // Unloading the first moves the second down (pointers into its file included); it still runs alike.
  const was = packed.paramBase;
  e.unloadModel(packed);
  assert.equal(inPlace.paramBase, was);
  assert.deepEqual(bits(e, inPlace), want);
  const again = loadModelInto(e, f32);
  assert.deepEqual(bits(e, again), want);
  assert.deepEqual(bits(e, inPlace), want);
  // Bytes already in memory (a fetch's, a pool worker's) load the same way.
  const fromBytes = e.loadModelBytes(f32Bytes);
  assert.equal(fromBytes.paramEnd - fromBytes.paramBase, span);
  assert.deepEqual(bits(e, fromBytes), want);
});
