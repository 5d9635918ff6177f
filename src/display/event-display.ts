// Event displays as RGBA images: a 2D event as its image, a 3D event as three projections (xy, xz,
// yz; the site with the most energy along the projected axis wins the pixel), one panel per
// colouring: energy (colour map, log scale, with a scale bar), true label, predicted label,
// correctness, loss weights. A title, a class legend and scale numbers are drawn in a pixel font.
// Browser-safe: PNG encoding is done by the caller (src/node/png.ts in Node).

import { CLASS_NAMES, IGNORE_LABEL, type LabelledEvent } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";
import { drawText, fill, type Canvas } from "./font.js";

export type Colouring = "energy" | "truth" | "prediction" | "correctness" | "weights";
export const COLOURINGS: readonly Colouring[] = ["energy", "truth", "prediction", "correctness", "weights"];

/** Class colours (HIP, MIP, shower, delta, Michel), shared with the web page. */
export const CLASS_RGB: readonly (readonly number[])[] = [[214, 39, 40], [31, 119, 180], [255, 127, 14], [44, 160, 44], [148, 103, 189]];
const BACKGROUND = [255, 255, 255], EMPTY = [246, 246, 246], GREY = [150, 150, 150], INK = [20, 20, 20];
const RIGHT = [60, 180, 75], WRONG = [230, 25, 75];

/** Viridis-like map on [0, 1] (piecewise linear through 5 anchor colours). */
export function colourMap(t: number): number[] {
  const a = [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]];
  const x = Math.min(0.9999, Math.max(0, t)) * 4, i = Math.floor(x), f = x - i;
  return a[i].map((v, k) => Math.round(v + (a[i + 1][k] - v) * f));
}

export interface DisplayOptions {
  colourBy: Colouring[];
  predictions?: Uint8Array;
  weights?: Float32Array;
  /** Largest panel side in pixels (images are downsampled by max to fit). */
  maxPanel?: number;
  /** Zoom on the bounding box of the active sites (with a margin). */
  crop?: boolean;
  title?: string;
}

interface Projection { name: string; axes: [number, number]; }

export function renderEventDisplay(ev: LabelledEvent, o: DisplayOptions): Canvas {
  const t = ev.tensor, n = t.coords.length / t.dim;
  for (const c of o.colourBy) {
    if (!COLOURINGS.includes(c)) throw new InvalidInputError(`colouring "${c}": use ${COLOURINGS.join(", ")}`);
    if ((c === "truth" || c === "correctness") && !ev.labels) throw new InvalidInputError(`colouring "${c}" needs true labels; the event has none`);
    if ((c === "prediction" || c === "correctness") && !o.predictions) throw new InvalidInputError(`colouring "${c}" needs predictions`);
    if (c === "weights" && !o.weights) throw new InvalidInputError(`colouring "weights" needs loss weights`);
  }
  if (o.predictions && o.predictions.length !== n) throw new InvalidInputError(`${o.predictions.length} predictions for ${n} sites`);
  const projections: Projection[] = t.dim === 2 ? [{ name: "", axes: [0, 1] }] : [{ name: "XY", axes: [0, 1] }, { name: "XZ", axes: [0, 2] }, { name: "YZ", axes: [1, 2] }];
  // Bounding box.
  const lo = t.spatialSize.map(() => 0), hi = [...t.spatialSize];
  if (o.crop && n > 0) {
    for (let a = 0; a < t.dim; a++) {
      let mn = Infinity, mx = -Infinity;
      for (let r = 0; r < n; r++) { mn = Math.min(mn, t.coords[r * t.dim + a]); mx = Math.max(mx, t.coords[r * t.dim + a]); }
      const m = Math.ceil(0.05 * (mx - mn + 1)) + 2;
      lo[a] = Math.max(0, mn - m); hi[a] = Math.min(t.spatialSize[a], mx + m + 1);
    }
  }
  const maxPanel = o.maxPanel ?? (t.dim === 2 ? 1200 : 360);
  const extent = (a: number) => hi[a] - lo[a];
  const scale = Math.max(1, Math.ceil(Math.max(...projections.flatMap((p) => [extent(p.axes[0]), extent(p.axes[1])])) / maxPanel));
  const ph = (p: Projection) => Math.ceil(extent(p.axes[0]) / scale), pw = (p: Projection) => Math.ceil(extent(p.axes[1]) / scale);
  const pad = 12, titleH = 24, legendH = 28, labelH = 16;
  const rowW = projections.reduce((s, p) => s + pw(p) + pad, pad);
  const rowH = Math.max(...projections.map(ph)) + labelH + pad;
  const width = Math.max(rowW + 60, 520), height = titleH + legendH + o.colourBy.length * rowH + pad;
  const c: Canvas = { width, height, rgba: new Uint8Array(width * height * 4) };
  fill(c, 0, 0, width, height, BACKGROUND);
  drawText(c, o.title ?? `EVENT ${ev.index}: ${n} SITES, ${t.spatialSize.join("X")}`, pad, 6, INK);
  // Legend: classes, then the correctness colours.
  let lx = pad;
  CLASS_NAMES.forEach((name, k) => { fill(c, lx, titleH + 4, 12, 12, CLASS_RGB[k]); lx += 16 + drawText(c, name, lx + 16, titleH + 5, INK) + 8; });
  fill(c, lx, titleH + 4, 12, 12, RIGHT); lx += 16 + drawText(c, "RIGHT", lx + 16, titleH + 5, INK) + 8;
  fill(c, lx, titleH + 4, 12, 12, WRONG); lx += 16 + drawText(c, "WRONG", lx + 16, titleH + 5, INK) + 8;

  let eMax = 0, wMax = 0;
  for (let r = 0; r < n; r++) eMax = Math.max(eMax, t.features[r * t.channels]);
  if (o.weights) for (const w of o.weights) wMax = Math.max(wMax, w);
  const logScale = (v: number, max: number) => (v <= 0 || max <= 0 ? 0 : Math.max(0, 1 + Math.log10(v / max) / 3)); // 3 decades

  o.colourBy.forEach((mode, row) => {
    const y0 = titleH + legendH + row * rowH;
    let x0 = pad;
    for (const p of projections) {
      const H = ph(p), W = pw(p);
      fill(c, x0, y0 + labelH, W, H, EMPTY);
      drawText(c, `${mode}${p.name ? " " + p.name : ""}`, x0, y0 + 2, INK);
      // The pixel goes to the site with the most energy along the projection (ties: first row).
      const best = new Float32Array(H * W).fill(-1), who = new Int32Array(H * W).fill(-1);
      for (let r = 0; r < n; r++) {
        const a = t.coords[r * t.dim + p.axes[0]] - lo[p.axes[0]], b = t.coords[r * t.dim + p.axes[1]] - lo[p.axes[1]];
        if (a < 0 || b < 0 || a >= extent(p.axes[0]) || b >= extent(p.axes[1])) continue;
        const k = Math.floor(a / scale) * W + Math.floor(b / scale), e = t.features[r * t.channels];
        if (e > best[k]) { best[k] = e; who[k] = r; }
      }
      for (let k = 0; k < H * W; k++) {
        const r = who[k];
        if (r < 0) continue;
        let rgb: readonly number[];
        switch (mode) {
          case "energy": rgb = colourMap(logScale(t.features[r * t.channels], eMax)); break;
          case "truth": rgb = ev.labels![r] === IGNORE_LABEL ? GREY : CLASS_RGB[ev.labels![r]]; break;
          case "prediction": rgb = CLASS_RGB[o.predictions![r]] ?? GREY; break;
          case "correctness": rgb = ev.labels![r] === IGNORE_LABEL ? GREY : ev.labels![r] === o.predictions![r] ? RIGHT : WRONG; break;
          default: rgb = colourMap(logScale(o.weights![r], wMax));
        }
        fill(c, x0 + (k % W), y0 + labelH + Math.floor(k / W), 1, 1, rgb);
      }
      x0 += W + pad;
    }
    if (mode === "energy" || mode === "weights") {
      // Scale bar: three decades below the maximum.
      const max = mode === "energy" ? eMax : wMax, bx = x0, by = y0 + labelH, bh = Math.min(120, Math.max(...projections.map(ph)));
      for (let i = 0; i < bh; i++) fill(c, bx, by + i, 10, 1, colourMap(1 - i / bh));
      drawText(c, fmt(max), bx + 14, by, INK, 1);
      drawText(c, fmt(max / 1000), bx + 14, by + bh - 6, INK, 1);
      drawText(c, mode === "energy" ? (t.dim === 3 ? "MEV" : "ADC") : "W", bx + 14, by + bh / 2, INK, 1);
    }
  });
  return c;
}

function fmt(v: number): string {
  if (v === 0) return "0";
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toPrecision(2);
}

