// The training curve as a PNG: moving averages of the loss (log scale, blue, left half of the
// height range) and the accuracy (orange) against the iteration, on a light grid.

import { writeFileSync } from "node:fs";
import { PNG } from "pngjs";

export interface CurvePoint { iteration: number; loss: number; accuracy: number }

export function writeTrainingCurvePng(path: string, points: CurvePoint[], width = 900, height = 420): void {
  const png = new PNG({ width, height });
  png.data.fill(255);
  const m = 40, W = width - 2 * m, H = height - 2 * m;
  const px = (x: number, y: number, c: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (Math.round(y) * width + Math.round(x)) * 4;
    png.data[i] = c[0]; png.data[i + 1] = c[1]; png.data[i + 2] = c[2]; png.data[i + 3] = 255;
  };
  const line = (x0: number, y0: number, x1: number, y1: number, c: [number, number, number]) => {
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let s = 0; s <= n; s++) px(x0 + ((x1 - x0) * s) / n, y0 + ((y1 - y0) * s) / n, c);
  };
  for (let g = 0; g <= 10; g++) {
    line(m, m + (H * g) / 10, m + W, m + (H * g) / 10, [225, 225, 225]);
    line(m + (W * g) / 10, m, m + (W * g) / 10, m + H, [225, 225, 225]);
  }
  line(m, m + H, m + W, m + H, [0, 0, 0]);
  line(m, m, m, m + H, [0, 0, 0]);
  if (points.length < 2) { writeFileSync(path, PNG.sync.write(png)); return; }
  const smooth = (v: number[]) => { const k = Math.max(1, Math.floor(v.length / 100)); return v.map((_, i) => { const a = v.slice(Math.max(0, i - k), i + 1); return a.reduce((s, x) => s + x, 0) / a.length; }); };
  const it = points.map((p) => p.iteration), x0 = it[0], x1 = it[it.length - 1];
  const X = (i: number) => m + ((it[i] - x0) / Math.max(1, x1 - x0)) * W;
  const loss = smooth(points.map((p) => Math.log10(Math.max(p.loss, 1e-6))));
  const lo = Math.min(...loss), hi = Math.max(...loss);
  const acc = smooth(points.map((p) => p.accuracy));
  for (let i = 1; i < points.length; i++) {
    const Y = (v: number) => m + H - ((v - lo) / Math.max(1e-9, hi - lo)) * H;
    line(X(i - 1), Y(loss[i - 1]), X(i), Y(loss[i]), [31, 119, 180]);
    line(X(i - 1), m + H - acc[i - 1] * H, X(i), m + H - acc[i] * H, [255, 127, 14]);
  }
  writeFileSync(path, PNG.sync.write(png));
}
