// One arena reused across events: after a warm-up, 1,000 further events of the same size (each a
// different random event) must not grow the wasm memory at all.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { randomWeights } from "../src/weights/random-init.js";
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
