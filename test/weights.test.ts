// safetensors reading/writing and the SparseConvNet state_dict importer: round trips, and
// errors that name the tensor and the expected shape for every way a file can be wrong.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { InvalidWeightsError } from "../src/errors.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { readModelFile, writeModelFile } from "../src/weights/model-file.js";
import { randomWeights } from "../src/weights/random-init.js";
import { asFloat32, parseSafetensors, serializeSafetensors, typed, type Tensor } from "../src/weights/safetensors.js";
import { importScnStateDict } from "../src/weights/scn.js";
import { PROJECT_ROOT } from "./support/paths.js";

const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 3 });
const graph = buildUResNet(cfg);
const weights = randomWeights(graph, 5);

function stateDict(mutate?: (m: Map<string, Tensor>) => void): Uint8Array {
  const m = new Map<string, Tensor>();
  for (const [name, t] of weights) m.set(name, { dtype: "F32", shape: t.shape, data: t.data });
  mutate?.(m);
  return serializeSafetensors(m);
}
const isWeightsError = (re: RegExp) => (e: unknown) => e instanceof InvalidWeightsError && re.test((e as Error).message);

test("model file round trip keeps config and every tensor bit for bit", () => {
  const bytes = writeModelFile(cfg, weights);
  const back = readModelFile(bytes);
  assert.deepEqual(back.config, cfg);
  assert.equal(back.weights.size, weights.size);
  for (const [name, t] of weights) assert.deepEqual(back.weights.get(name)!.data, t.data, name);
});

test("tensors view the file's bytes when aligned and are copied when not", () => {
  const bytes = writeModelFile(cfg, weights);
  const aligned = parseSafetensors(bytes).tensors;
  for (const t of aligned.values()) assert.equal(t.bytes.buffer, bytes.buffer, "an aligned tensor is a view, not a copy");
  // The same file one byte into a buffer: every F32 tensor is misaligned, so it must be copied.
  const shifted = new Uint8Array(bytes.length + 1).subarray(1);
  shifted.set(bytes);
  const back = readModelFile(shifted);
  for (const [name, t] of weights) assert.deepEqual(back.weights.get(name)!.data, t.data, name);
  for (const t of parseSafetensors(shifted).tensors.values()) {
    assert.notEqual(t.bytes.buffer, shifted.buffer);
    assert.equal(t.bytes.byteOffset % 4, 0);
  }
  // A Node Buffer (what readFileSync returns) at an odd offset, with 8-byte tensors (a checkpoint's
  // Adam moments): Buffer's own slice is a view, so the copy must not come from it.
  const f64 = serializeSafetensors({ m: { dtype: "F64", shape: [3], data: Float64Array.of(1.5, -2, 3e-300) } });
  const odd = Buffer.alloc(f64.length + 1).subarray(1);
  odd.set(f64);
  const raw = parseSafetensors(odd).tensors.get("m")!;
  assert.deepEqual(Array.from(typed(raw, "m", ["F64"]).data as Float64Array), [1.5, -2, 3e-300]);
});

test("the bundled SparseConvNet state_dict imports with the names SparseConvNet gives", () => {
  const raw = parseSafetensors(new Uint8Array(readFileSync(join(PROJECT_ROOT, "samples", "scn-2d-m16-small", "weights.safetensors"))));
  const c = parseModelConfig({ dim: 2, filters: 16, depth: 5 });
  const w = importScnStateDict(buildUResNet(c), raw.tensors);
  assert.equal(w.size, 231);
  assert.deepEqual(w.get("sparseModel.2.4.1.2.6.0.weight")!.shape, [64, 32]);
});

test("pre-2019 [K, Cin, Cout] convolution layout and module. prefix are accepted", () => {
  const bytes = stateDict((m) => {
    const t = m.get("sparseModel.1.weight")!;
    m.set("sparseModel.1.weight", { ...t, shape: [t.shape[0], t.shape[2], t.shape[3]] });
    const l = m.get("linear.bias")!;
    m.delete("linear.bias");
    m.set("module.linear.bias", l);
    m.set("sparseModel.3.num_batches_tracked", { dtype: "I64", shape: [], data: new BigInt64Array(1) });
  });
  const w = importScnStateDict(graph, parseSafetensors(bytes).tensors);
  assert.deepEqual(w.get("sparseModel.1.weight")!.shape, [9, 1, 1, 4]);
  assert.deepEqual(w.get("sparseModel.1.weight")!.data, weights.get("sparseModel.1.weight")!.data);
});

test("missing, extra and mis-shaped tensors are named with the expected shape", () => {
  assert.throws(() => importScnStateDict(graph, parseSafetensors(stateDict((m) => m.delete("sparseModel.2.0.1.1.weight"))).tensors),
    isWeightsError(/missing 1 tensor\(s\): "sparseModel.2.0.1.1.weight" \[9, 1, 4, 4\]/));
  assert.throws(() => importScnStateDict(graph, parseSafetensors(stateDict((m) => m.set("extra.weight", { dtype: "F32", shape: [2], data: new Float32Array(2) }))).tensors),
    isWeightsError(/unexpected tensor\(s\).*"extra.weight" \[2\]/));
  assert.throws(() => importScnStateDict(graph, parseSafetensors(stateDict((m) => m.set("linear.weight", { dtype: "F32", shape: [4, 5], data: new Float32Array(20) }))).tensors),
    isWeightsError(/"linear.weight" has shape \[4, 5\], expected \[5, 4\]/));
});

test("wrong dtype, non-finite values and negative variances are refused", () => {
  assert.throws(() => importScnStateDict(graph, parseSafetensors(stateDict((m) => m.set("linear.bias", { dtype: "I32", shape: [5], data: new Int32Array(5) }))).tensors),
    isWeightsError(/"linear.bias": dtype I32, expected F32 or F64/));
  assert.throws(() => importScnStateDict(graph, parseSafetensors(stateDict((m) => { const d = new Float32Array(5); d[2] = NaN; m.set("linear.bias", { dtype: "F32", shape: [5], data: d }); })).tensors),
    isWeightsError(/"linear.bias" element 2 is NaN/));
  assert.throws(() => importScnStateDict(graph, parseSafetensors(stateDict((m) => m.set("sparseModel.3.running_var", { dtype: "F32", shape: [4], data: Float32Array.from([1, -1, 1, 1]) }))).tensors),
    isWeightsError(/running_var" element 1 is -1/));
});

test("truncated and lying safetensors headers are refused with a clear message", () => {
  const good = stateDict();
  assert.throws(() => parseSafetensors(good.subarray(0, 5)), isWeightsError(/too short/));
  assert.throws(() => parseSafetensors(good.subarray(0, good.length - 10)), isWeightsError(/past the end of the data|truncated/));
  const lying = good.slice();
  new DataView(lying.buffer).setBigUint64(0, 10n ** 12n, true);
  assert.throws(() => parseSafetensors(lying), isWeightsError(/header claims/));
  const mk = (header: unknown, data = 0) => {
    const h = new TextEncoder().encode(JSON.stringify(header));
    const b = new Uint8Array(8 + h.length + data);
    new DataView(b.buffer).setBigUint64(0, BigInt(h.length), true);
    b.set(h, 8);
    return b;
  };
  assert.throws(() => parseSafetensors(mk({ a: { dtype: "F32", shape: [2], data_offsets: [0, 4] } }, 8)), isWeightsError(/"a": data_offsets \[0, 4\] hold 4 bytes, but F32 \[2\] needs 8/));
  assert.throws(() => parseSafetensors(mk({ a: { dtype: "Q7", shape: [2], data_offsets: [0, 8] } }, 8)), isWeightsError(/"a": unknown dtype "Q7"/));
  assert.throws(() => parseSafetensors(mk({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [1], data_offsets: [4, 8] } }, 8)), isWeightsError(/overlap/));
  const notJson = mk({}); notJson[8] = 0x7b; notJson[9] = 0x7b;
  assert.throws(() => parseSafetensors(notJson), isWeightsError(/not valid UTF-8 JSON/));
  assert.deepEqual(asFloat32(parseSafetensors(good).tensors.get("linear.bias")!, "linear.bias"), weights.get("linear.bias")!.data);
});
