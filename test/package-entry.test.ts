// The package's two entry points, imported by name as a user would: "sparsessnet" (Node and
// browsers) and "sparsessnet/node" (files, threads, pools). A shipped model loaded straight from
// its file into wasm memory gives the bits of the same model loaded from its parsed weights.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { BUILTIN_MODELS, modelPath } from "../src/node/model-io.js";
import { parseSafetensors } from "../src/weights/safetensors.js";
import { PROJECT_ROOT } from "./support/paths.js";

test("sparsessnet and sparsessnet/node import by name; loadModelInto matches loadModel, bit for bit", async () => {
  const { Engine, readModelFile } = await import("sparsessnet");
  const { loadModelInto, modelPath, openEventFile, createThreadedEngine, SegmentationPool } = await import("sparsessnet/node");
  assert.equal(typeof createThreadedEngine, "function");
  assert.equal(typeof SegmentationPool, "function");
  const file = openEventFile(join(PROJECT_ROOT, "samples", "sim-2d-Y.h5"));
  const ev = file.read(0);
  file.close();
  const a = await Engine.create(), b = await Engine.create();
  const mf = readModelFile(new Uint8Array(readFileSync(modelPath("default-2d"))));
  const fromWeights = a.run(a.loadModel(mf.config, mf.weights), ev.tensor);
  const fromFile = b.run(loadModelInto(b, "default-2d"), ev.tensor);
  assert.ok(fromFile.nRows > 1000, `a real image (${fromFile.nRows} pixels)`);
  assert.deepEqual(new Uint32Array(fromFile.logits.buffer), new Uint32Array(fromWeights.logits.buffer));
  assert.throws(() => loadModelInto(b, "default-4d"), /neither a built-in model \(default-2d, default-3d\) nor an existing file/);
});

test("the shipped model files' metadata names no absolute path (a file is published as it is written)", () => {
  // `average` and `calibrate` record the names they were given; run from a work directory with
  // absolute paths, they would publish a path of the machine that built the file.
  const absolute = /(^|["'\s(=])(\/[A-Za-z0-9_.-]+\/|[A-Za-z]:\\|~\/)/;
  for (const name of BUILTIN_MODELS) {
    const { metadata } = parseSafetensors(new Uint8Array(readFileSync(modelPath(name))), name);
    for (const [key, value] of Object.entries(metadata)) assert.ok(!absolute.test(value), `${name} metadata "${key}" names an absolute path: ${value}`);
  }
  assert.ok(absolute.test('[{"model":"/tmp/x/default-2d.safetensors"}]'), "the check sees a path in JSON");
});
