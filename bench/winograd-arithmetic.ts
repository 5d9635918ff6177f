// Would Winograd-like transforms do less arithmetic than our sparse convolutions? For each bench
// event and each level of the U-ResNet (the level's sites are the input's coordinates divided by
// 2^level), count the multiplies per input-output channel pair of one 3^d submanifold convolution:
// direct, one per (output site, present neighbour) pair, as our kernels and SparseConvNet's do; and
// Winograd F(m, 3), (m + 2)^d per tile of m^d outputs that holds at least one active site (a tile's
// inactive inputs are zeros, so it costs the same however few of its sites are active). Transforms
// are not counted, so the Winograd column is a lower bound on its cost. Above 1, it would cost more.
// Usage: node dist/bench/winograd-arithmetic.js [--depth 5]
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { readEventFile } from "../src/node/event-file.js";
import { sharedDir } from "../src/node/shared-dir.js";

const { values } = parseArgs({ options: { depth: { type: "string", default: "5" } } });
const depth = Number(values.depth);
const TILES = [2, 4];

/** Sites of a level, as distinct keys of their coordinates (row-major over `size`). */
function levelSites(coords: Int32Array, dim: number, scale: number, size: number[]): Map<number, number[]> {
  const sites = new Map<number, number[]>();
  for (let i = 0; i < coords.length / dim; i++) {
    const c = Array.from({ length: dim }, (_, a) => Math.floor(coords[i * dim + a] / scale));
    sites.set(key(c, size), c);
  }
  return sites;
}

function key(c: number[], size: number[]): number {
  let k = 0;
  for (let a = 0; a < c.length; a++) k = k * size[a] + c[a];
  return k;
}

/** All 3^d offsets in {-1, 0, 1}^d. */
function offsets(dim: number): number[][] {
  let out: number[][] = [[]];
  for (let a = 0; a < dim; a++) out = out.flatMap((o) => [-1, 0, 1].map((d) => [...o, d]));
  return out;
}

const root = join(sharedDir(), "bench-events");
console.log(`| event | level | sites | pairs (direct multiplies) | neighbours per site | ${TILES.map((m) => `F(${m},3): active sites per tile | F(${m},3) / direct`).join(" | ")} |`);
console.log(`|---|---|---|---|---|${TILES.map(() => "---|---|").join("")}`);
for (const name of readdirSync(root).sort()) {
  const dir = join(root, name);
  if (!existsSync(join(dir, "event.safetensors")) || name.includes("train")) continue;
  const { tensor } = readEventFile(dir);
  const dim = tensor.dim;
  const offs = offsets(dim);
  for (let level = 0; level < depth; level++) {
    const scale = 2 ** level;
    // Two spare rows per axis: a neighbour key one step off either edge then lands on a row no site has,
    // instead of aliasing a site of the next or previous row.
    const size = tensor.spatialSize.map((s) => Math.ceil(s / scale) + 2);
    const sites = levelSites(tensor.coords, dim, scale, size);
    let pairs = 0;
    for (const c of sites.values()) {
      for (const o of offs) if (sites.has(key(c.map((x, a) => x + o[a]), size))) pairs++;
    }
    const cells = TILES.map((m) => {
      const tiles = new Set<number>();
      for (const c of sites.values()) tiles.add(key(c.map((x) => Math.floor(x / m)), size));
      const products = tiles.size * (m + 2) ** dim;
      return `${(sites.size / tiles.size).toFixed(2)} | ${(products / pairs).toFixed(2)}`;
    });
    console.log(`| ${name} | ${level} | ${sites.size} | ${pairs} | ${(pairs / sites.size).toFixed(1)} | ${cells.join(" | ")} |`);
  }
}
