// A 3x5 pixel font (upper case, digits, a little punctuation), drawn scaled: enough for titles,
// legends and scale numbers in PNG displays without a font file or a native canvas.
// Each glyph is 5 rows of 3 bits, top row first, most significant bit on the left.

const GLYPHS: Record<string, number[]> = {
  A: [2, 5, 7, 5, 5], B: [6, 5, 6, 5, 6], C: [3, 4, 4, 4, 3], D: [6, 5, 5, 5, 6], E: [7, 4, 6, 4, 7], F: [7, 4, 6, 4, 4],
  G: [3, 4, 5, 5, 3], H: [5, 5, 7, 5, 5], I: [7, 2, 2, 2, 7], J: [1, 1, 1, 5, 2], K: [5, 5, 6, 5, 5], L: [4, 4, 4, 4, 7],
  M: [5, 7, 7, 5, 5], N: [6, 5, 5, 5, 5], O: [2, 5, 5, 5, 2], P: [6, 5, 6, 4, 4], Q: [2, 5, 5, 6, 3], R: [6, 5, 6, 5, 5],
  S: [3, 4, 2, 1, 6], T: [7, 2, 2, 2, 2], U: [5, 5, 5, 5, 7], V: [5, 5, 5, 5, 2], W: [5, 5, 7, 7, 5], X: [5, 5, 2, 5, 5],
  Y: [5, 5, 2, 2, 2], Z: [7, 1, 2, 4, 7],
  "0": [7, 5, 5, 5, 7], "1": [2, 6, 2, 2, 7], "2": [6, 1, 2, 4, 7], "3": [6, 1, 2, 1, 6], "4": [5, 5, 7, 1, 1],
  "5": [7, 4, 6, 1, 6], "6": [3, 4, 7, 5, 7], "7": [7, 1, 1, 2, 2], "8": [7, 5, 7, 5, 7], "9": [7, 5, 7, 1, 6],
  " ": [0, 0, 0, 0, 0], ".": [0, 0, 0, 0, 2], "-": [0, 0, 7, 0, 0], "%": [5, 1, 2, 4, 5], "/": [1, 1, 2, 4, 4],
  ":": [0, 2, 0, 2, 0], "(": [1, 2, 2, 2, 1], ")": [4, 2, 2, 2, 4], ",": [0, 0, 0, 2, 4], "=": [0, 7, 0, 7, 0], "+": [0, 2, 7, 2, 0],
};

export interface Canvas { width: number; height: number; rgba: Uint8Array }

export function fill(c: Canvas, x0: number, y0: number, w: number, h: number, rgb: readonly number[]): void {
  for (let y = Math.max(0, y0); y < Math.min(c.height, y0 + h); y++) {
    for (let x = Math.max(0, x0); x < Math.min(c.width, x0 + w); x++) {
      const i = (y * c.width + x) * 4;
      c.rgba[i] = rgb[0]; c.rgba[i + 1] = rgb[1]; c.rgba[i + 2] = rgb[2]; c.rgba[i + 3] = 255;
    }
  }
}

/** Draws text (upper-cased) at (x, y), top-left, each font pixel `scale` pixels; returns the width. */
export function drawText(c: Canvas, text: string, x: number, y: number, rgb: readonly number[], scale = 2): number {
  let cx = x;
  for (const ch of text.toUpperCase()) {
    const g = GLYPHS[ch] ?? GLYPHS[" "];
    g.forEach((row, r) => {
      for (let b = 0; b < 3; b++) if (row & (4 >> b)) fill(c, cx + b * scale, y + r * scale, scale, scale, rgb);
    });
    cx += 4 * scale;
  }
  return cx - x;
}

export const textWidth = (text: string, scale = 2) => text.length * 4 * scale;
