// The parity suite in Node: wasm and WebGPU (SwiftShader, Debian chromium's Vulkan driver) must
// give the same hashes, i.e. the same bits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { nodeGpu } from "../src/node/webgpu.js";
import { PARITY_CASES, runParitySuite } from "./parity/suite.js";

test("Node: WebGPU (SwiftShader) gives the wasm bits on every parity case", async () => {
  const wasm = await runParitySuite(await Engine.create({ backend: "wasm" }));
  assert.equal(Object.keys(wasm).length, PARITY_CASES.length);
  const gpu = await nodeGpu({ software: true });
  assert.ok(gpu, "the optional npm package webgpu is not installed");
  const engine = await Engine.create({ backend: "webgpu", gpu });
  assert.equal(engine.backend, "webgpu");
  assert.match(engine.adapter!.description, /SwiftShader/i);
  const webgpu = await runParitySuite(engine);
  engine.dispose();
  assert.deepEqual(webgpu, wasm);
});

test("auto does not pick a software adapter", async () => {
  const engine = await Engine.create({ backend: "auto", gpu: await nodeGpu({ software: true }) });
  assert.equal(engine.backend, "wasm");
  assert.match(engine.note!, /software fallback/);
});
