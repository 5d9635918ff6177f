// The event display page end to end in headless Chromium: load it, segment bundled samples, compare
// the labels with Node's for the same model and event, and check the screenshot shows an event.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { PNG } from "pngjs";
import { Engine } from "../src/engine.js";
import { loadModel, modelsDir } from "../src/node/model-io.js";
import { openEventFile } from "../src/node/open-events.js";
import { startWebServer } from "../src/node/web-server.js";
import { withPage } from "./support/browser.js";
import { PROJECT_ROOT } from "./support/paths.js";

const samples = join(PROJECT_ROOT, "samples");

/** Labels of event 0 of a sample file with the shipped model, computed in Node. */
async function nodeLabels(file: string): Promise<number[]> {
  const engine = await Engine.create({ backend: "wasm" });
  const f = openEventFile(join(samples, file));
  const ev = f.read(0);
  f.close();
  const mf = loadModel(`default-${ev.tensor.dim}d`);
  return Array.from(engine.run(engine.loadModel(mf.config, mf.weights), ev.tensor).labels);
}

test("serve: pick a sample, segment in the page, same labels as Node, a screenshot that shows the event", async () => {
  const web = await startWebServer(join(PROJECT_ROOT, "dist", "web"), samples, 0, "127.0.0.1", modelsDir());
  // The server must close even when Chromium fails to start, or the test process never exits.
  try {
    await withPage(web.url, async (page, errors) => {
      await page.waitForFunction(() => document.getElementById("status")!.textContent!.startsWith("pick a sample"));
      assert.match(await page.textContent("#backend") ?? "", /backend: wasm/); // SwiftShader is not a GPU
      // HDF5 samples in both layouts (read in the page by h5wasm) and a safetensors event folder.
      for (const [name, file] of [["sim-2d-Y.h5", "sim-2d-Y.h5"], ["sim-3d-192.h5", "sim-3d-192.h5"], ["3d-192-5k", "3d-192-5k"]]) {
        await page.evaluate(() => { (globalThis as { __sparsessnet?: unknown }).__sparsessnet = undefined; });
        await page.selectOption("#sample", { label: name });
        await page.click("#run");
        await page.waitForFunction(() => (globalThis as { __sparsessnet?: unknown }).__sparsessnet !== undefined, undefined, { timeout: 60000 });
        const got = await page.evaluate(() => (globalThis as { __sparsessnet?: { labels: number[]; ms: number } }).__sparsessnet!);
        assert.deepEqual(got.labels, await nodeLabels(file), `${name}: labels in the page vs Node`);
        assert.match(await page.textContent("#status") ?? "", /ms per event on wasm/);
        assert.match(await page.textContent("#note") ?? "", /levels, scores mixed over neighbours within 3 sites/, "the page says how the shipped models decide");
        const png = PNG.sync.read(await page.locator("#canvas").screenshot());
        let lit = 0;
        for (let i = 0; i < png.data.length; i += 4) if (png.data[i] + png.data[i + 1] + png.data[i + 2] > 60) lit++;
        assert.ok(lit > 500, `${name}: only ${lit} lit pixels in the display`);
      }
      assert.deepEqual(errors, []);
    });
  } finally {
    await web.close();
  }
});
