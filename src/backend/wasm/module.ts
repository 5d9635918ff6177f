// Loading the kernel module. The .wasm is embedded (base64) so no file system or fetch is needed:
// the same code runs in Node and in browsers. Export signatures mirror assembly/index.ts.

import { SparseSSNetError } from "../../errors.js";
import { WASM_RELAXED_BASE64, WASM_SIMD_BASE64, WASM_THREADS_BASE64 } from "./binary.generated.js";

/** deterministic: f32 multiply then add in a fixed order, the same bits everywhere (default).
 *  fast: relaxed-SIMD fused multiply-add in the convolutions; not bit-identical to deterministic
 *  mode, nor across machines. */
export type KernelMode = "deterministic" | "fast";

type Ptr = number;
export interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): Ptr;
  checksum64(ptr: Ptr, bytes: number): bigint;
  /** Index of the first NaN or infinity among n float32 at ptr, or -1. */
  firstNonFinite(ptr: Ptr, n: number): number;
  /** Scalar twin of firstNonFinite (tests). */
  firstNonFiniteScalar(ptr: Ptr, n: number): number;
  computeKeys(coords: Ptr, batch: Ptr, n: number, dim: number, s0: number, s1: number, s2: number, shift: number, keys: Ptr): void;
  gatherSiteCoords(coords: Ptr, batch: Ptr, dim: number, shift: number, firstRow: Ptr, nSites: number, coordsOut: Ptr, batchOut: Ptr): void;
  radixSortPairs(keys: Ptr, vals: Ptr, n: number, tmpKeys: Ptr, tmpVals: Ptr, counts: Ptr, bits: number): number;
  uniqueSorted(keys: Ptr, vals: Ptr, n: number, siteOf: Ptr, uniqueKeys: Ptr, firstVal: Ptr): number;
  hashTableBytes(capLog2: number): number;
  hashBuild(table: Ptr, capLog2: number, keys: Ptr, n: number): number;
  hashLookupMany(table: Ptr, capLog2: number, queries: Ptr, n: number, out: Ptr): void;
  subRulesMerge(keys: Ptr, coords: Ptr, n: number, dim: number, s0: number, s1: number, s2: number, ks: number,
    ruleStart: Ptr, ruleIn: Ptr, ruleOut: Ptr): number;
  subRulesHash(table: Ptr, capLog2: number, keys: Ptr, coords: Ptr, n: number, dim: number, s0: number, s1: number, s2: number,
    ks: number, ruleStart: Ptr, ruleIn: Ptr, ruleOut: Ptr): number;
  rulesToTable(ruleStart: Ptr, ruleIn: Ptr, ruleOut: Ptr, K: number, nOut: number, table: Ptr): void;
  stridedRules(coords: Ptr, nFine: number, dim: number, parentOf: Ptr, ruleStart: Ptr, ruleIn: Ptr, ruleOut: Ptr): void;
  convRules(inp: Ptr, inStride: number, out: Ptr, outStride: number, nOut: number, w: Ptr, cin: number, coutPad: number, K: number,
    tileStarts: Ptr, tileRows: number, nTiles: number, tBegin: number, tEnd: number, ruleIn: Ptr, ruleOut: Ptr,
    addend: Ptr, addStride: number, scale: Ptr, shift: Ptr, leak: number, nzStarts: Ptr, nzEntries: Ptr): void;
  /** Prefix sums of the non-zero counts per row (n + 1 i32 at starts); returns the total. */
  nonzeroStarts(inp: Ptr, inStride: number, n: number, cin: number, starts: Ptr): number;
  /** The channel-sparse entries (value, c * wRowBytes) of n rows, 8 bytes each, at entries. */
  compressRows(inp: Ptr, inStride: number, n: number, cin: number, wRowBytes: number, entries: Ptr): void;
  /** Scalar twin of compressRows (tests). */
  compressRowsScalar(inp: Ptr, inStride: number, n: number, cin: number, wRowBytes: number, entries: Ptr): void;
  ruleTiles(ruleStart: Ptr, ruleOut: Ptr, K: number, tileRows: number, nTiles: number, tileStarts: Ptr): void;
  convRulesScalar(inp: Ptr, inStride: number, out: Ptr, outStride: number, nOut: number, w: Ptr, cin: number, coutPad: number, K: number,
    ruleStart: Ptr, ruleIn: Ptr, ruleOut: Ptr): void;
  gemmRows(inp: Ptr, inStride: number, out: Ptr, outStride: number, n: number, w: Ptr, cin: number, coutPad: number, bias: Ptr): void;
  gemmRowsScalar(inp: Ptr, inStride: number, out: Ptr, outStride: number, n: number, w: Ptr, cin: number, coutPad: number, bias: Ptr): void;
  zeroRows(ptr: Ptr, stride: number, n: number, cols: number): void;
  affineAct(inp: Ptr, inStride: number, out: Ptr, outStride: number, n: number, cpad: number, scale: Ptr, shift: Ptr, leak: number): void;
  affineActScalar(inp: Ptr, inStride: number, out: Ptr, outStride: number, n: number, cpad: number, scale: Ptr, shift: Ptr, leak: number): void;
  addRows(a: Ptr, aStride: number, b: Ptr, bStride: number, out: Ptr, outStride: number, n: number, cpad: number): void;
  addRowsScalar(a: Ptr, aStride: number, b: Ptr, bStride: number, out: Ptr, outStride: number, n: number, cpad: number): void;
  concatRows(a: Ptr, aStride: number, ca: number, b: Ptr, bStride: number, cb: number, out: Ptr, outStride: number, outCols: number, n: number): void;
  concatRowsScalar(a: Ptr, aStride: number, ca: number, b: Ptr, bStride: number, cb: number, out: Ptr, outStride: number, outCols: number, n: number): void;
  gatherRows(inp: Ptr, inStride: number, idx: Ptr, n: number, out: Ptr, outStride: number, cols: number): void;
  sumRowsIntoSites(inp: Ptr, inStride: number, site: Ptr, nRows: number, out: Ptr, outStride: number, nSites: number, cols: number): void;
  softmaxRows(inp: Ptr, inStride: number, out: Ptr, outStride: number, n: number, c: number): void;
  softmaxRowsScalar(inp: Ptr, inStride: number, out: Ptr, outStride: number, n: number, c: number): void;
  argmaxRows(inp: Ptr, inStride: number, n: number, c: number, labels: Ptr): void;
  argmaxRowsScalar(inp: Ptr, inStride: number, n: number, c: number, labels: Ptr): void;
  expNeg(x: number): number;
  /** Neighbour smoothing of per-site scores and the labels decided on them (assembly/smoothing.ts). */
  smoothScores(keys: Ptr, coords: Ptr, n: number, dim: number, s0: number, s1: number, s2: number, radius: number,
    scores: Ptr, stride: number, c: number, share: number, constants: Ptr, sums: Ptr, counts: Ptr, cursors: Ptr, out: Ptr, outStride: number, labels: Ptr): void;
  /** The cursors smoothScores and neighbourSums need (i32 each). */
  smoothLines(dim: number, radius: number): number;
  /** Per site, the f64 sums of values f64 [n, c] over its neighbours within `radius`, and their count. */
  neighbourSums(keys: Ptr, coords: Ptr, n: number, dim: number, s0: number, s1: number, s2: number, radius: number,
    values: Ptr, c: number, sums: Ptr, counts: Ptr, cursors: Ptr): void;
  convWeightGrad(x: Ptr, xStride: number, g: Ptr, gStride: number, cin: number, coutPad: number, K: number,
    ruleStart: Ptr, ruleIn: Ptr, ruleOut: Ptr, dw: Ptr, nzStarts: Ptr, nzEntries: Ptr): void;
  convWeightGradOffsets(x: Ptr, xStride: number, g: Ptr, gStride: number, cin: number, coutPad: number,
    ruleStart: Ptr, ruleIn: Ptr, ruleOut: Ptr, dw: Ptr, nzStarts: Ptr, nzEntries: Ptr, k0: number, k1: number): void;
  convWeightGradScalar(x: Ptr, xStride: number, g: Ptr, gStride: number, cin: number, coutPad: number, K: number,
    ruleStart: Ptr, ruleIn: Ptr, ruleOut: Ptr, dw: Ptr): void;
  channelStats(x: Ptr, xStride: number, n: number, c: number, mean: Ptr, variance: Ptr): void;
  channelStatsScalar(x: Ptr, xStride: number, n: number, c: number, mean: Ptr, variance: Ptr): void;
  /** scratch: 2c f64. */
  bnActBackward(x: Ptr, xStride: number, y: Ptr, yStride: number, g: Ptr, gStride: number, dx: Ptr, dxStride: number,
    n: number, c: number, mean: Ptr, invstd: Ptr, w: Ptr, leak: number, dw: Ptr, db: Ptr, scratch: Ptr): void;
  bnActBackwardScalar(x: Ptr, xStride: number, y: Ptr, yStride: number, g: Ptr, gStride: number, dx: Ptr, dxStride: number,
    n: number, c: number, mean: Ptr, invstd: Ptr, w: Ptr, leak: number, dw: Ptr, db: Ptr): void;
  /** scratch: c f64. */
  columnSums(g: Ptr, gStride: number, n: number, c: number, out: Ptr, scratch: Ptr): void;
  columnSumsScalar(g: Ptr, gStride: number, n: number, c: number, out: Ptr): void;
  /** out [K][cout][cinPad] = each offset's w [K][cin][coutPad] transposed; padding columns zero. */
  transposeOffsets(w: Ptr, K: number, cin: number, cout: number, coutPad: number, out: Ptr, cinPad: number): void;
  /** Adam on n elements: p f32 (updated), g f32, m and v f64 (updated). */
  adamStep(p: Ptr, g: Ptr, m: Ptr, v: Ptr, n: number,
    b1: number, b2: number, eps: number, lr: number, weightDecay: number, c1: number, c2: number): void;
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const compiled = new Map<KernelMode, Promise<WebAssembly.Module>>();
let relaxedBytes: Uint8Array<ArrayBuffer> | undefined;

/** Whether this engine runs relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd). */
export function relaxedSimdSupported(): boolean {
  relaxedBytes ??= decodeBase64(WASM_RELAXED_BASE64);
  return WebAssembly.validate(relaxedBytes);
}

/** Compiles a kernel module once per process (or page). */
export function compileKernels(mode: KernelMode = "deterministic"): Promise<WebAssembly.Module> {
  let m = compiled.get(mode);
  if (!m) {
    m = WebAssembly.compile(mode === "fast" ? (relaxedBytes ??= decodeBase64(WASM_RELAXED_BASE64)) : decodeBase64(WASM_SIMD_BASE64));
    compiled.set(mode, m);
  }
  return m;
}

/** Whether this JavaScript engine runs WebAssembly SIMD (128-bit). */
export function simdSupported(): boolean {
  // (module (func (result v128) (v128.const i32x4 0 0 0 0)))
  const probe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 11]);
  return WebAssembly.validate(probe);
}

let threadsModule: Promise<WebAssembly.Module> | undefined;

/** The deterministic kernels built for a shared, imported memory (intra-event threads). */
export function compileThreadKernels(): Promise<WebAssembly.Module> {
  threadsModule ??= WebAssembly.compile(decodeBase64(WASM_THREADS_BASE64));
  return threadsModule;
}

const imports = (memory?: WebAssembly.Memory) => ({
  env: {
    ...(memory ? { memory } : {}),
    abort(_msg: number, _file: number, line: number, col: number) {
      throw new Error(`wasm abort at ${line}:${col}`);
    },
  },
});

/** An instance of the shared-memory kernels on `memory` (every thread instantiates the same module
 *  on the same memory). */
export async function instantiateThreadKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(module, imports(memory));
  return { ...(instance.exports as unknown as KernelExports), memory };
}

/** A fresh instance with its own linear memory. */
export async function instantiateKernels(mode: KernelMode = "deterministic"): Promise<KernelExports> {
  if (!simdSupported()) {
    throw new SparseSSNetError("UNSUPPORTED_PLATFORM", "this JavaScript engine does not run WebAssembly SIMD (Node >= 16.4, Chrome >= 91, Firefox >= 89, Safari >= 16.4 do)");
  }
  const module = await compileKernels(mode);
  const instance = await WebAssembly.instantiate(module, imports());
  return instance.exports as unknown as KernelExports;
}
