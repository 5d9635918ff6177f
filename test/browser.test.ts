// The parity suite in headless Chromium: the wasm backend and the WebGPU backend (SwiftShader) in
// the browser must give the bits the wasm backend gives in Node.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { build } from "esbuild";
import { Engine } from "../src/engine.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { randomWeights } from "../src/weights/random-init.js";
import { runParitySuite, PARITY_CASES } from "./parity/suite.js";
import { serveDir, withPage } from "./support/browser.js";
import { PROJECT_ROOT } from "./support/paths.js";

test("Chromium: wasm and WebGPU give Node's wasm bits on every parity case", async () => {
  const node = await runParitySuite(await Engine.create({ backend: "wasm" }));
  const dir = mkdtempSync(join(tmpdir(), "ssn-page-"));
  await build({
    entryPoints: [join(PROJECT_ROOT, "test", "parity", "browser-entry.ts")], bundle: true, format: "esm",
    platform: "browser", outfile: join(dir, "parity.js"), logLevel: "silent",
  });
  writeFileSync(join(dir, "index.html"), `<!doctype html><meta charset="utf-8"><title>parity</title><script type="module" src="parity.js"></script>`);
  const { url, server } = await serveDir(dir);
  // The server must close even when Chromium fails to start, or the test process never exits.
  try {
    await withPage(url, async (page, errors) => {
      await page.waitForFunction(() => (globalThis as { parity?: unknown }).parity !== undefined);
      const result = await page.evaluate(() => (globalThis as { parity?: Promise<unknown> }).parity) as { wasm: Record<string, string>; webgpu: Record<string, string> | string };
      assert.deepEqual(errors, []);
      assert.equal(Object.keys(result.wasm).length, PARITY_CASES.length);
      assert.deepEqual(result.wasm, node, "Chromium wasm vs Node wasm");
      assert.deepEqual(result.webgpu, node, "Chromium WebGPU vs Node wasm");

      // The published single-file bundle (npm run build:browser) loads as a plain module and gives
      // the Node bits too.
      copyFileSync(join(PROJECT_ROOT, "dist", "browser", "sparsessnet.mjs"), join(dir, "sparsessnet.mjs"));
      const hashInPage = await page.evaluate(async () => {
        const lib = await import("./sparsessnet.mjs" as string);
        const engine = await lib.Engine.create({ backend: "wasm" });
        const cfg = lib.parseModelConfig({ dim: 2, filters: 8, depth: 3 });
        const model = engine.loadModel(cfg, lib.randomWeights(lib.buildUResNet(cfg), 5));
        const r = engine.run(model, { dim: 2, spatialSize: [32, 32], channels: 1, coords: Int32Array.from([3, 4, 3, 5, 4, 5, 20, 20]), features: Float32Array.from([1, 2, 3, 4]) });
        return Array.from(new Uint32Array(r.logits.buffer));
    });
    const engine = await Engine.create({ backend: "wasm" });
    const cfg = parseModelConfig({ dim: 2, filters: 8, depth: 3 });
    const r = engine.run(engine.loadModel(cfg, randomWeights(buildUResNet(cfg), 5)),
      { dim: 2, spatialSize: [32, 32], channels: 1, coords: Int32Array.from([3, 4, 3, 5, 4, 5, 20, 20]), features: Float32Array.from([1, 2, 3, 4]) });
    assert.deepEqual(hashInPage, Array.from(new Uint32Array(r.logits.buffer)));
    });
  } finally {
    server.close();
  }
});
