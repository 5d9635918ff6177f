// Why a term of the channel-sparse convolution costs more than a term of the dense one, measured.
// Compiles assembly/probes/term-cost.ts on its own (it is not part of the engine) and times, on
// synthetic local rulebooks (20k outputs, 9 offsets, half of the inputs zero at random):
// - the machine's rate of 128-bit loads and of f32x4 additions, and the add latency;
// - per multiply-add done: the channel-sparse kernel (one row, a broadcast load and a weight load
//   per term) and variants of it (no broadcast load, no offset load, the next pair's indices loaded
//   ahead, one list per output row), the dense kernel (two rows share each weight load) and two
//   rows over the union of their non-zero channels.
// The outputs of the kernels that compute the convolution are compared bit for bit; the two
// timing-only variants (no broadcast load, no offset load) compute something else.
// Usage: node dist/bench/term-cost.js [--json]
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const asc = createRequire(import.meta.url).resolve("assemblyscript/bin/asc.js");
const wasmPath = join(root, "build", "term-cost.wasm");
execFileSync(process.execPath, [asc, "assembly/probes/term-cost.ts", "--runtime", "stub", "--enable", "simd", "-O3", "--noAssert", "--initialMemory", "1",
  "--outFile", wasmPath], { cwd: root, stdio: "inherit" });
const { instance } = await WebAssembly.instantiate(readFileSync(wasmPath), { env: { abort() { throw new Error("abort"); } } });
type Fn = (...a: number[]) => number;
const k = instance.exports as unknown as Record<string, Fn> & { memory: WebAssembly.Memory };

/** The median of a list of times. */
const middle = (t: number[]) => [...t].sort((a, b) => a - b)[t.length >> 1];

/** Median of 11 timed calls after 3 untimed, in ms. */
function median(f: () => void): number {
  for (let i = 0; i < 3; i++) f();
  const t: number[] = [];
  for (let r = 0; r < 11; r++) { const t0 = performance.now(); f(); t.push(performance.now() - t0); }
  return middle(t);
}

let seed = 12345;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

function machineRates() {
  const N = 5e7;
  const loadNs = (median(() => k.loads8(N, 4096)) * 1e6) / (8 * N);
  const addNs = (median(() => k.adds8(N, 1e-30)) * 1e6) / (8 * N);
  const latencyNs = (median(() => k.addChain(N, 1e-30)) * 1e6) / N;
  return { loads_per_ns: 1 / loadNs, adds_per_ns: 1 / addNs, add_latency_in_add_slots: latencyNs / addNs / 2 };
}

function kernelRates(C: number) {
  const n = 20000, K = 9;
  let top = 1024;
  const alloc = (bytes: number) => { const p = top; top += (bytes + 15) & ~15; return p; };
  const x = alloc(n * C * 4), w = alloc(K * C * C * 4), ri = alloc(n * K * 4 + 4), ro = alloc(n * K * 4 + 4), starts = alloc((n + 1) * 4);
  const outs = [0, 1, 2, 3, 4, 5].map(() => alloc(n * C * 4));
  const entries = alloc(n * C * 8 + C * 8);
  const table = alloc(n * K * 4), scratch = alloc(K * C * 8 + 64);
  const uStarts: number[] = [], uEntries: number[] = [];
  for (let kk = 0; kk < K; kk++) { uStarts.push(alloc((n / 2 + 1) * 4)); uEntries.push(alloc(n / 2 * C * 16)); }
  const grow = Math.ceil((top - k.memory.buffer.byteLength) / 65536);
  if (grow > 0) k.memory.grow(grow);
  const F = new Float32Array(k.memory.buffer), I = new Int32Array(k.memory.buffer);
  for (let i = 0; i < n * C; i++) F[x / 4 + i] = random() < 0.5 ? 0.5 + random() : 0;
  for (let i = 0; i < K * C * C; i++) F[w / 4 + i] = random() - 0.5;
  // Offset kk: output r from input r + kk - 4 (clamped): local, sorted by output, as in events.
  for (let kk = 0; kk < K; kk++) for (let r = 0; r < n; r++) { I[ri / 4 + kk * n + r] = Math.min(n - 1, Math.max(0, r + kk - 4)); I[ro / 4 + kk * n + r] = r; }
  for (let r = 0; r < n; r++) for (let kk = 0; kk < K; kk++) I[table / 4 + r * K + kk] = Math.min(n - 1, Math.max(0, r + kk - 4));
  let nnz = 0;
  for (let r = 0; r < n; r++) {
    I[starts / 4 + r] = nnz;
    for (let c = 0; c < C; c++) { const v = F[x / 4 + r * C + c]; if (v !== 0) { F[entries / 4 + 2 * nnz] = v; I[entries / 4 + 2 * nnz + 1] = c * C * 4; nnz++; } }
  }
  I[starts / 4 + n] = nnz;
  let unionTerms = 0;
  for (let kk = 0; kk < K; kk++) {
    let cnt = 0;
    for (let p = 0; p < n; p += 2) {
      I[uStarts[kk] / 4 + p / 2] = cnt;
      const i0 = I[ri / 4 + kk * n + p], i1 = I[ri / 4 + kk * n + p + 1];
      for (let c = 0; c < C; c++) {
        const a = F[x / 4 + i0 * C + c], b = F[x / 4 + i1 * C + c];
        if (a === 0 && b === 0) continue;
        const e = uEntries[kk] / 4 + 4 * cnt++;
        F[e] = a; F[e + 1] = b; I[e + 2] = c * C * 4;
      }
    }
    I[uStarts[kk] / 4 + n / 2] = cnt;
    unionTerms += 2 * cnt * C;
  }
  const dense = n * K * C * C, sparse = nnz * K * C; // multiply-adds done (the clamped rows aside)
  const perOffset = (f: (kk: number) => void) => () => { for (let kk = 0; kk < K; kk++) f(kk); };
  const run = (out: number, kernel: string) => {
    const outS = C * 4;
    const fns: Record<string, (kk: number) => void> = {
      sparseOneRow: (kk) => k.sparseOneRow(starts, entries, ri + kk * n * 4, ro + kk * n * 4, n, out, outS, w + kk * C * C * 4, C),
      sparseOneRowAhead: (kk) => k.sparseOneRowAhead(starts, entries, ri + kk * n * 4, ro + kk * n * 4, n, out, outS, w + kk * C * C * 4, C),
      sparseOneRowNoOffsetLoad: (kk) => k.sparseOneRowNoOffsetLoad(starts, entries, ri + kk * n * 4, ro + kk * n * 4, n, out, outS, w + kk * C * C * 4, C),
      sparseOneRowNoValueLoad: (kk) => k.sparseOneRowNoValueLoad(starts, entries, ri + kk * n * 4, ro + kk * n * 4, n, out, outS, w + kk * C * C * 4, C),
      denseTwoRows: (kk) => k.denseTwoRows(x, C * 4, C, ri + kk * n * 4, ro + kk * n * 4, n, out, outS, w + kk * C * C * 4, C),
      unionTwoRows: (kk) => k.unionTwoRows(uStarts[kk], uEntries[kk], ro + kk * n * 4, n, out, outS, w + kk * C * C * 4, C),
    };
    if (kernel === "sparseGatherRow") return () => { k.sparseGatherRow(starts, entries, table, K, n, out, outS, w, C, C, scratch); };
    return perOffset(fns[kernel]);
  };
  // Same bits: every kernel but the timing-only one, from zeroed outputs, one pass.
  const names = ["sparseOneRow", "sparseOneRowAhead", "denseTwoRows", "unionTwoRows", "sparseGatherRow"];
  names.forEach((name, j) => { new Float32Array(k.memory.buffer, outs[j], n * C).fill(0); run(outs[j], name)(); });
  const ref = new Uint32Array(k.memory.buffer, outs[0], n * C);
  for (let j = 1; j < names.length; j++) {
    const got = new Uint32Array(k.memory.buffer, outs[j], n * C);
    const bad = got.findIndex((v, i) => v !== ref[i]);
    if (bad >= 0) throw new Error(`${names[j]} differs from sparseOneRow at value ${bad}`);
  }
  const done = { sparseOneRowNoOffsetLoad: sparse, sparseOneRow: sparse, sparseOneRowAhead: sparse, sparseGatherRow: sparse, sparseOneRowNoValueLoad: sparse, denseTwoRows: dense, unionTwoRows: unionTerms };
  // Rounds that time every kernel once, so that a slow minute of a shared machine falls on all of them.
  const fns = Object.keys(done).map((name) => [name, run(outs[5], name)] as const);
  for (const [, f] of fns) f(); // warm-up
  const times = new Map<string, number[]>(fns.map(([name]) => [name, []]));
  for (let round = 0; round < 15; round++) {
    for (const [name, f] of fns) { const t0 = performance.now(); f(); times.get(name)!.push(performance.now() - t0); }
  }
  const rates: Record<string, number> = {};
  for (const [name, macs] of Object.entries(done)) rates[name] = (2 * macs) / middle(times.get(name)!) / 1e6;
  return { channels: C, done_fraction: { sparse: sparse / dense, union: unionTerms / dense }, gflops_per_multiply_add_done: rates };
}

const result = { machine: machineRates(), kernels: [16, 32, 64].map(kernelRates) };
if (process.argv.includes("--json")) console.log(JSON.stringify(result, null, 1));
else {
  const m = result.machine;
  console.log(`128-bit loads ${m.loads_per_ns.toFixed(2)}/ns, f32x4 adds ${m.adds_per_ns.toFixed(2)}/ns, add latency ${m.add_latency_in_add_slots.toFixed(2)} x the interval of 2 adds`);
  for (const r of result.kernels) {
    const g = r.gflops_per_multiply_add_done;
    console.log(`C=${r.channels}: GFLOP/s per multiply-add done: sparse one row ${g.sparseOneRow.toFixed(1)}, next pair's indices loaded ahead ${g.sparseOneRowAhead.toFixed(1)}, gathered per output row ${g.sparseGatherRow.toFixed(1)}, without the broadcast load ${g.sparseOneRowNoValueLoad.toFixed(1)}, without the offset load ${g.sparseOneRowNoOffsetLoad.toFixed(1)}, ` +
      `dense two rows ${g.denseTwoRows.toFixed(1)}, two-row union ${g.unionTwoRows.toFixed(1)} (terms done: sparse ${r.done_fraction.sparse.toFixed(2)}, union ${r.done_fraction.union.toFixed(2)} of dense)`);
  }
}
