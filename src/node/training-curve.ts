// The training curve as a PNG: moving averages of the loss (log scale, blue, left axis) and the
// batch accuracy (orange, right axis, 0-1) against the iteration, with axis numbers and a legend.

import { drawText, fill, type Canvas } from "../display/font.js";
import { writePng } from "./png.js";

export interface CurvePoint { iteration: number; loss: number; accuracy: number }

const BLUE = [31, 119, 180], ORANGE = [255, 127, 14], GRID = [225, 225, 225], INK = [20, 20, 20];

export function writeTrainingCurvePng(path: string, points: CurvePoint[], width = 900, height = 440): void {
  const c: Canvas = { width, height, rgba: new Uint8Array(width * height * 4) };
  fill(c, 0, 0, width, height, [255, 255, 255]);
  const L = 70, R = 60, T = 40, B = 40, W = width - L - R, H = height - T - B;
  const line = (x0: number, y0: number, x1: number, y1: number, rgb: number[]) => {
    const n = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let s = 0; s <= n; s++) fill(c, Math.round(x0 + ((x1 - x0) * s) / n), Math.round(y0 + ((y1 - y0) * s) / n), 1, 1, rgb);
  };
  for (let g = 0; g <= 10; g++) {
    line(L, T + (H * g) / 10, L + W, T + (H * g) / 10, GRID);
    line(L + (W * g) / 10, T, L + (W * g) / 10, T + H, GRID);
  }
  line(L, T + H, L + W, T + H, INK);
  line(L, T, L, T + H, INK);
  line(L + W, T, L + W, T + H, INK);
  drawText(c, "TRAINING: LOSS (LOG SCALE)", L, 10, BLUE);
  drawText(c, "BATCH ACCURACY", L + 260, 10, ORANGE);
  drawText(c, "ITERATION", L + W / 2 - 36, height - 16, INK);
  if (points.length >= 2) {
    const smooth = (v: number[]) => { const k = Math.max(1, Math.floor(v.length / 100)); return v.map((_, i) => { const a = v.slice(Math.max(0, i - k), i + 1); return a.reduce((s, x) => s + x, 0) / a.length; }); };
    const it = points.map((p) => p.iteration), x0 = it[0], x1 = it[it.length - 1];
    const X = (i: number) => L + ((it[i] - x0) / Math.max(1, x1 - x0)) * W;
    const loss = smooth(points.map((p) => Math.log10(Math.max(p.loss, 1e-6))));
    const lo = Math.min(...loss), hi = Math.max(...loss);
    const acc = smooth(points.map((p) => p.accuracy));
    const Y = (v: number) => T + H - ((v - lo) / Math.max(1e-9, hi - lo)) * H;
    for (let i = 1; i < points.length; i++) {
      line(X(i - 1), Y(loss[i - 1]), X(i), Y(loss[i]), BLUE);
      line(X(i - 1), T + H - acc[i - 1] * H, X(i), T + H - acc[i] * H, ORANGE);
    }
    for (let g = 0; g <= 4; g++) {
      const v = lo + ((hi - lo) * g) / 4;
      drawText(c, (10 ** v).toPrecision(2), 4, Y(v) - 4, BLUE, 1);
      drawText(c, (g / 4).toFixed(2), L + W + 6, T + H - (H * g) / 4 - 4, ORANGE, 1);
      drawText(c, String(Math.round(x0 + ((x1 - x0) * g) / 4)), L + (W * g) / 4 - 8, T + H + 6, INK, 1);
    }
  }
  writePng(path, c);
}
