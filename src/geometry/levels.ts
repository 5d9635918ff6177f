// Coordinate levels and rulebooks of one event, built once in wasm and reused by every layer:
//   level 0: the distinct input sites, sorted by (batch, coords) so that neighbours sit close in
//            memory (gather locality is what makes the kernels fast); input rows map to sites;
//   level l+1: the parents floor(p / 2) of level l's sites, sorted the same way;
//   rulebooks: submanifold per (level, kernel size); strided (fine -> coarse) per level pair, read
//            backwards by the transposed convolution.

import type { Arena } from "../backend/wasm/arena.js";
import type { SparseTensor } from "../tensor/sparse-tensor.js";
import { keyBits, paddedSpatialSize } from "../tensor/sparse-tensor.js";

/** Output rows per tile of the convolution kernel (see convRules): 128 rows of up to 160 channels
 *  stay within L2 while every offset passes over them, and even small levels have tiles enough for
 *  threads to share. */
export const TILE_ROWS = 128;
/** Tile rows on one thread. Each tile reads every offset's weights again; on the small coarse
 *  levels, where few pairs share them, fewer tiles pay (3D 192^3 at 32 filters 0.97x the time:
 *  docs/performance.md, session 41), but leave a second thread without a tile of its own. */
export const SINGLE_THREAD_TILE_ROWS = 512;

/** Per-offset (input, output) pairs, and the tile boundaries of convRules for reading them with
 *  `outIdx` as the output (tiles) or, for strided rulebooks, backwards with `inIdx` as the output
 *  (tilesBack: the transposed convolution). */
export interface Rulebook {
  K: number; start: number; inIdx: number; outIdx: number; pairs: number;
  /** Tiles of the pairs by output row, and (strided rulebooks, and submanifold ones when built for
   *  training) by input row: a transposed convolution or an input gradient writes the inputs. */
  tiles: Tiles; tilesBack?: Tiles;
}
export interface Tiles { starts: number; n: number; rows: number }

export interface Level {
  n: number;
  size: number[];
  keys: number;   // i64 [n]
  coords: number; // i32 [n, dim]
  batch: number;  // i32 [n]
}

export interface Geometry {
  dim: number;
  nRows: number;
  levels: Level[];
  /** Site (level 0, sorted order) of each input row: i32 [nRows]. */
  siteOfRow: number;
  /** First input row of each site, in sorted site order: i32 [n0]. */
  firstRowOfSite: number;
  /** Input rows copied into the arena. */
  rowCoords: number;
  rowBatch: number;
  rowFeatures: number;
  sub: Map<string, Rulebook>;
  /** strided[l]: level l -> level l+1, pairs (fine, coarse). */
  strided: Rulebook[];
}

/** Builds the levels and the requested submanifold rulebooks. Allocates in the arena.
 *  `backward`: also tile the submanifold rulebooks by input row (the input gradients). `tileRows`:
 *  output rows per tile (the engine passes SINGLE_THREAD_TILE_ROWS when it runs on one thread;
 *  training keeps TILE_ROWS: 512 made its step 1.07x slower, session 42). */
export function buildGeometry(
  arena: Arena, t: SparseTensor, levels: number, subRulebooks: { level: number; ks: number }[], backward = false,
  tileRows = TILE_ROWS,
): Geometry {
  const k = arena.k;
  const dim = t.dim;
  const nRows = t.coords.length / dim;

  const rowCoords = arena.alloc(nRows * dim * 4);
  arena.i32(rowCoords, nRows * dim).set(t.coords);
  const rowBatch = arena.alloc(nRows * 4);
  if (t.batch) arena.i32(rowBatch, nRows).set(t.batch); else arena.i32(rowBatch, nRows).fill(0);
  const rowFeatures = arena.alloc(nRows * t.channels * 4);
  arena.f32(rowFeatures, nRows * t.channels).set(t.features);

  // Sort scratch, sized once for the largest level (the rows), reused at every level.
  const sKeys = arena.alloc(nRows * 8), sVals = arena.alloc(nRows * 4);
  const tKeys = arena.alloc(nRows * 8), tVals = arena.alloc(nRows * 4);
  const counts = arena.alloc(256 * 4);
  // Every level halves the grid exactly (see paddedSpatialSize).
  const size0 = paddedSpatialSize(t.spatialSize, 2 ** (levels - 1));
  const bits = keyBits(t, size0);

  // Sorts the n keys in sKeys (payload 0..n-1), collapses duplicates; returns the new level's
  // site count, keys, first payload per site, and the site of each payload.
  const sortUnique = (n: number) => {
    const iota = arena.i32(sVals, n);
    for (let i = 0; i < n; i++) iota[i] = i;
    const flipped = k.radixSortPairs(sKeys, sVals, n, tKeys, tVals, counts, bits);
    const [ks, vs] = flipped ? [tKeys, tVals] : [sKeys, sVals];
    const siteOf = arena.alloc(n * 4);
    const uKeys = arena.alloc(n * 8);
    const first = arena.alloc(n * 4);
    const m = k.uniqueSorted(ks, vs, n, siteOf, uKeys, first);
    return { m, siteOf, uKeys, first };
  };

  const [s0, s1, s2] = [size0[0], size0[1], size0[2] ?? 1];
  k.computeKeys(rowCoords, rowBatch, nRows, dim, s0, s1, s2, 0, sKeys);
  const u0 = sortUnique(nRows);
  const lv: Level[] = [];
  const makeLevel = (n: number, size: number[], keys: number, fromCoords: number, fromBatch: number, shift: number, first: number) => {
    const coords = arena.alloc(n * dim * 4), batch = arena.alloc(n * 4);
    k.gatherSiteCoords(fromCoords, fromBatch, dim, shift, first, n, coords, batch);
    lv.push({ n, size, keys, coords, batch });
  };
  makeLevel(u0.m, size0, u0.uKeys, rowCoords, rowBatch, 0, u0.first);

  const tilesFor = (start: number, outIdx: number, K: number, nOut: number): Tiles => {
    const n = Math.ceil(nOut / tileRows);
    const starts = arena.alloc(K * (n + 1) * 4);
    k.ruleTiles(start, outIdx, K, tileRows, n, starts);
    return { starts, n, rows: tileRows };
  };

  const strided: Rulebook[] = [];
  for (let l = 1; l < levels; l++) {
    const fine = lv[l - 1];
    const size = fine.size.map((s) => s >> 1);
    k.computeKeys(fine.coords, fine.batch, fine.n, dim, size[0], size[1], size[2] ?? 1, 1, sKeys);
    const u = sortUnique(fine.n);
    makeLevel(u.m, size, u.uKeys, fine.coords, fine.batch, 1, u.first);
    const K = 1 << dim;
    const start = arena.alloc((K + 1) * 4), inIdx = arena.alloc(fine.n * 4), outIdx = arena.alloc(fine.n * 4);
    k.stridedRules(fine.coords, fine.n, dim, u.siteOf, start, inIdx, outIdx);
    strided.push({
      K, start, inIdx, outIdx, pairs: fine.n,
      tiles: tilesFor(start, outIdx, K, u.m), tilesBack: tilesFor(start, inIdx, K, fine.n),
    });
  }

  const sub = new Map<string, Rulebook>();
  for (const { level, ks } of subRulebooks) {
    const L = lv[level];
    if (!L) continue;
    const K = ks ** dim;
    const start = arena.alloc((K + 1) * 4);
    // Reserve the upper bound (every neighbour present), then give back the unused tail.
    const inIdx = arena.alloc(L.n * K * 4);
    const outIdx = arena.alloc(L.n * K * 4);
    const [a0, a1, a2] = [L.size[0], L.size[1], L.size[2] ?? 1];
    const pairs = k.subRulesMerge(L.keys, L.coords, L.n, dim, a0, a1, a2, ks, start, inIdx, outIdx);
    // Compact: move the out indices right behind the in indices, then shrink.
    const compactOut = inIdx + ((pairs * 4 + 15) & ~15);
    new Uint8Array(k.memory.buffer).copyWithin(compactOut, outIdx, outIdx + pairs * 4);
    arena.shrinkTo(compactOut, pairs * 4);
    sub.set(`${level}:${ks}`, {
      K, start, inIdx, outIdx: compactOut, pairs, tiles: tilesFor(start, compactOut, K, L.n),
      tilesBack: backward ? tilesFor(start, inIdx, K, L.n) : undefined,
    });
  }

  return {
    dim, nRows, levels: lv, siteOfRow: u0.siteOf, firstRowOfSite: u0.first,
    rowCoords, rowBatch, rowFeatures, sub, strided,
  };
}
