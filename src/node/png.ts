import { writeFileSync } from "node:fs";
import { PNG } from "pngjs";
import type { Canvas } from "../display/font.js";

/** Encodes an RGBA canvas as PNG (pngjs). */
export function encodePng(c: Canvas): Uint8Array {
  const png = new PNG({ width: c.width, height: c.height });
  png.data = Buffer.from(c.rgba.buffer, c.rgba.byteOffset, c.rgba.byteLength);
  return PNG.sync.write(png);
}

export function writePng(path: string, c: Canvas): void {
  writeFileSync(path, encodePng(c));
}
