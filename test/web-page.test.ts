// The event display page end to end in headless Chromium: load it, segment bundled samples, compare
// the labels with Node's for the same model and event, and check the screenshot shows an event.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { PNG } from "pngjs";
import { Engine } from "../src/engine.js";
import { configFromManifest, parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { readEventFile } from "../src/node/event-file.js";
import { startWebServer } from "../src/node/web-server.js";
import { randomWeights } from "../src/weights/random-init.js";
import { parseSafetensors } from "../src/weights/safetensors.js";
import { importScnStateDict } from "../src/weights/scn.js";
import { launchChromium } from "./support/browser.js";
import { PROJECT_ROOT } from "./support/paths.js";

const samples = join(PROJECT_ROOT, "samples");

async function nodeLabels(name: string): Promise<number[]> {
  const engine = await Engine.create({ backend: "wasm" });
  const ev = readEventFile(join(samples, name));
  let model;
  if (ev.tensor.dim === 2) {
    const manifest = JSON.parse(readFileSync(join(samples, "scn-2d-m16-small", "manifest.json"), "utf8"));
    const cfg = configFromManifest(2, manifest.model);
    model = engine.loadModel(cfg, importScnStateDict(buildUResNet(cfg), parseSafetensors(new Uint8Array(readFileSync(join(samples, "scn-2d-m16-small", "weights.safetensors")))).tensors));
  } else {
    const cfg = parseModelConfig({ dim: 3, filters: 16, depth: 5 });
    model = engine.loadModel(cfg, randomWeights(buildUResNet(cfg), 1234));
  }
  return Array.from(engine.run(model, ev.tensor).labels);
}

test("serve: pick a sample, segment in the page, same labels as Node, a screenshot that shows the event", async () => {
  const web = await startWebServer(join(PROJECT_ROOT, "dist", "web"), samples);
  const ctx = await launchChromium();
  try {
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(web.url);
    await page.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("pick a sample"));
    assert.match(await page.textContent("#backend") ?? "", /backend: wasm/); // SwiftShader is not a GPU
    for (const name of ["2d-1008x3456-17k", "3d-192-5k"]) {
      await page.evaluate(() => { (globalThis as { __sparsessnet?: unknown }).__sparsessnet = undefined; });
      await page.selectOption("#sample", { label: name });
      await page.click("#run");
      await page.waitForFunction(() => (globalThis as { __sparsessnet?: unknown }).__sparsessnet !== undefined, undefined, { timeout: 60000 });
      const got = await page.evaluate(() => (globalThis as { __sparsessnet?: { labels: number[]; ms: number } }).__sparsessnet!);
      assert.deepEqual(got.labels, await nodeLabels(name), `${name}: labels in the page vs Node`);
      assert.match(await page.textContent("#status") ?? "", /ms per event on wasm/);
      const png = PNG.sync.read(await page.locator("#canvas").screenshot());
      let lit = 0;
      for (let i = 0; i < png.data.length; i += 4) if (png.data[i] + png.data[i + 1] + png.data[i + 2] > 60) lit++;
      assert.ok(lit > 500, `${name}: only ${lit} lit pixels in the display`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await ctx.close();
    await web.close();
  }
});
