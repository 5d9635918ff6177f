// Kernel microbenchmarks (benny): the sparse convolution kernel on synthetic rulebooks, to know the
// best GFLOP/s the deterministic kernel reaches when nothing else gets in the way, next to its
// scalar twin and the fast (relaxed-SIMD FMA) build. Usage: node dist/bench/kernels.js [--json]
import b from "benny";
import { Arena } from "../src/backend/wasm/arena.js";
import { instantiateKernels, relaxedSimdSupported, type KernelExports } from "../src/backend/wasm/module.js";

export interface KernelResult { kernel: string; channels: number; gflops: number }

/** A conv of n outputs, 9 offsets, each output fed by a nearby input (sorted, local: as in events),
 *  on inputs of which half are zero. */
function setup(k: KernelExports, C: number, n = 20000, K = 9) {
  const arena = new Arena(k);
  const x = arena.alloc(n * C * 4), y = arena.alloc(n * C * 4), w = arena.alloc(K * C * C * 4);
  // Half of the inputs are zero, as after a ReLU (the dense kernel does not care).
  const xs = arena.f32(x, n * C);
  for (let i = 0; i < n * C; i++) xs[i] = Math.imul(i, 0x9e3779b1) >>> 31 ? 0 : 0.5;
  arena.f32(w, K * C * C).fill(0.01);
  const st = arena.alloc((K + 1) * 4), pi = arena.alloc(n * K * 4), po = arena.alloc(n * K * 4);
  const s = arena.i32(st, K + 1), a = arena.i32(pi, n * K), o = arena.i32(po, n * K);
  let p = 0;
  for (let kk = 0; kk < K; kk++) {
    s[kk] = p;
    for (let r = 0; r < n; r++) { a[p] = Math.min(n - 1, Math.max(0, r + kk - 4)); o[p] = r; p++; }
  }
  s[K] = p;
  const nTiles = Math.ceil(n / 128);
  const tiles = arena.alloc(K * (nTiles + 1) * 4);
  k.ruleTiles(st, po, K, 128, nTiles, tiles);
  const starts = arena.alloc((n + 1) * 4);
  const entries = arena.alloc(k.nonzeroStarts(x, C, n, C, starts) * 8 + 8);
  k.compressRows(x, C, n, C, C * 4, entries);
  return {
    flops: 2 * p * C * C,
    simd: () => k.convRules(x, C, y, C, n, w, C, C, K, tiles, 128, nTiles, 0, nTiles, pi, po, 0, 0, 0, 0, 0, 0, 0),
    /** The channel-sparse kernel on the same data (its GFLOP/s count the skipped zeros too). */
    sparse: () => k.convRules(x, C, y, C, n, w, C, C, K, tiles, 128, nTiles, 0, nTiles, pi, po, 0, 0, 0, 0, 0, starts, entries),
    scalar: () => k.convRulesScalar(x, C, y, C, n, w, C, C, K, st, pi, po),
  };
}

/** The fastest deterministic SIMD kernel of a run (not the scalar twin, not the fast build): the
 *  reference the in-network convolution rate is compared with. */
export function bestDeterministicGflops(results: readonly KernelResult[]): number {
  return Math.max(0, ...results.filter((k) => k.kernel.includes("deterministic")).map((k) => k.gflops));
}

export async function runKernelBench(): Promise<KernelResult[]> {
  const det = await instantiateKernels("deterministic");
  const fast = relaxedSimdSupported() ? await instantiateKernels("fast") : undefined;
  const results: KernelResult[] = [];
  for (const C of [16, 32, 64]) {
    const d = setup(det, C), f = fast ? setup(fast, C) : undefined;
    const cases: [string, () => void, number][] = [[`conv simd deterministic C=${C}`, d.simd, d.flops], [`conv simd deterministic, channel-sparse input (half zero) C=${C}`, d.sparse, d.flops], [`conv scalar twin C=${C}`, d.scalar, d.flops]];
    if (f) cases.push([`conv relaxed-SIMD FMA C=${C}`, f.simd, f.flops]);
    await b.suite(`sparse conv, ${C} channels`,
      ...cases.map(([name, fn]) => b.add(name, fn)),
      b.cycle(),
      b.complete((summary) => {
        for (const r of summary.results) {
          const c = cases.find(([n]) => n === r.name)!;
          results.push({ kernel: r.name.replace(/ C=\d+$/, ""), channels: C, gflops: (r.ops * c[2]) / 1e9 });
        }
      }),
    );
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runKernelBench();
  if (process.argv.includes("--json")) console.log(JSON.stringify(r));
  else for (const x of r) console.log(`${x.kernel.padEnd(32)} C=${String(x.channels).padEnd(3)} ${x.gflops.toFixed(1)} GFLOP/s`);
}
