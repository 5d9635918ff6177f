// The library entry point must run in browsers: bundling it for a neutral platform must pull in
// no Node built-in module, and the bundle must segment an event with the wasm embedded in it.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { PROJECT_ROOT } from "./support/paths.js";

test("src/index.ts bundles for a neutral platform without Node built-ins, and the bundle runs", async () => {
  const out = join(mkdtempSync(join(tmpdir(), "ssn-bundle-")), "sparsessnet.mjs");
  const result = await build({
    entryPoints: [join(PROJECT_ROOT, "src", "index.ts")], bundle: true, format: "esm", platform: "neutral",
    mainFields: ["module", "main"], outfile: out, metafile: true, logLevel: "silent",
  });
  const inputs = Object.keys(result.metafile!.inputs);
  assert.ok(!inputs.some((i) => i.startsWith("node:") || /^(fs|path|url|child_process|os)$/.test(i)), `node built-ins in bundle: ${inputs.filter((i) => i.startsWith("node:"))}`);
  const lib = await import(pathToFileURL(out).href);
  const engine = await lib.Engine.create();
  const config = lib.parseModelConfig({ dim: 2, filters: 4, depth: 2 });
  const model = engine.loadModel(config, lib.randomWeights(lib.buildUResNet(config), 1));
  const res = engine.run(model, { dim: 2, spatialSize: [8, 8], channels: 1, coords: Int32Array.from([1, 1, 1, 2, 5, 5]), features: Float32Array.from([1, 2, 3]) });
  assert.equal(res.labels.length, 3);
  writeFileSync(out, ""); // keep tmp small
});
