// Event displays: a known site lands on its projected pixel with its class colour in every panel,
// wrong predictions show as wrong, the PNG decodes to the same pixels.
import assert from "node:assert/strict";
import { test } from "node:test";
import { PNG } from "pngjs";
import { CLASS_RGB, colourMap, renderEventDisplay } from "../src/display/event-display.js";
import type { LabelledEvent } from "../src/data/labelled-event.js";
import { encodePng } from "../src/node/png.js";

test("a 3D event: each voxel lights its pixel in the xy, xz and yz panels with its class colour; correctness marks the wrong one", () => {
  const ev: LabelledEvent = {
    index: 0, labels: Uint8Array.from([0, 3]),
    tensor: { dim: 3, spatialSize: [32, 32, 32], channels: 1, coords: Int32Array.from([5, 9, 20, 30, 2, 7]), features: Float32Array.from([2, 1]) },
  };
  const predictions = Uint8Array.from([0, 1]);
  const img = renderEventDisplay(ev, { colourBy: ["truth", "correctness", "energy"], predictions, maxPanel: 32 });
  const decoded = PNG.sync.read(Buffer.from(encodePng(img)));
  assert.equal(decoded.width, img.width);
  const at = (x: number, y: number) => Array.from(decoded.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));
  // Layout constants of the renderer: pad 12, title 24, legend 28, panel label 16, panels of 32 px.
  const pad = 12, top = 24 + 28, rowH = 32 + 16 + pad;
  const panelX = (p: number) => pad + p * (32 + pad);
  const pixel = (row: number, p: number, a: number, b: number) => at(panelX(p) + b, top + row * rowH + 16 + a);
  const proj = [[0, 1], [0, 2], [1, 2]];
  proj.forEach(([u, v], p) => {
    assert.deepEqual(pixel(0, p, 5 * 0 + ev.tensor.coords[u], ev.tensor.coords[v]), [...CLASS_RGB[0]], `truth panel ${p}, HIP voxel`);
    assert.deepEqual(pixel(0, p, ev.tensor.coords[3 + u], ev.tensor.coords[3 + v]), [...CLASS_RGB[3]], `truth panel ${p}, delta voxel`);
    assert.deepEqual(pixel(1, p, ev.tensor.coords[u], ev.tensor.coords[v]), [60, 180, 75], "right");
    assert.deepEqual(pixel(1, p, ev.tensor.coords[3 + u], ev.tensor.coords[3 + v]), [230, 25, 75], "wrong");
    assert.deepEqual(pixel(2, p, ev.tensor.coords[u], ev.tensor.coords[v]), colourMap(1), "largest energy at the top of the map");
  });
  // Empty pixels are the panel background.
  assert.deepEqual(pixel(0, 0, 0, 0), [246, 246, 246]);
});

test("colourings that need what the event lacks are refused by name", () => {
  const ev: LabelledEvent = { index: 0, tensor: { dim: 2, spatialSize: [16, 16], channels: 1, coords: Int32Array.from([1, 2]), features: Float32Array.from([1]) } };
  assert.throws(() => renderEventDisplay(ev, { colourBy: ["truth"] }), /needs true labels/);
  assert.throws(() => renderEventDisplay(ev, { colourBy: ["prediction"] }), /needs predictions/);
});
