// Every convolution of one event, replayed alone in two or more builds of the kernels, their calls
// alternating in one process: per-convolution times, the total, ratios to the first build, and the
// outputs compared bit for bit. ab-builds.ts times whole events; this tells which convolutions a
// kernel change moves (docs/performance.md, session 42).
//
// Usage: node dist/bench/conv-replay.js <event dir> <build> [<build> ...] [--filters 16|32]
//          [--rounds N] [--per-op] [--hot]
//   where a build is a package root holding a built dist/ (e.g. a git worktree after npm run build).
// This build runs the event once (random weights, after warm-up) and copies what each convolution
// reads: its input rows and their channel-sparse index, weights, rulebook, tiles, residual rows and
// batch-norm. The builds must share convRules' arguments and the index layout. Each round calls
// every convolution once in graph order, so that, as in the network, each finds in cache only what
// the calls before it left there; with --hot each call is made twice and the second one timed.
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { ConvolutionCall } from "../src/engine.js";
import { median } from "../src/util/stats.js";
import { buildModule, warmedEngine } from "./builds.js";

/** What one convolution reads, copied out of the engine's memory; null where the kernel reads nothing. */
export interface Captured {
  op: number; kind: string; level: number; pairs: number; density: number;
  scalars: { inStride: number; outStride: number; nOut: number; cin: number; coutPad: number; K: number; tileRows: number; nTiles: number; addStride: number; leak: number };
  bytes: Record<"x" | "w" | "tiles" | "ruleIn" | "ruleOut" | "add" | "bn" | "nzStarts" | "nzEntries", Uint8Array | null>;
}

export function capture(c: ConvolutionCall): Captured {
  const [inPtr, inStride, , outStride, nOut, wPtr, cin, coutPad, K, tilePtr, tileRows, nTiles, , , ruleIn, ruleOut,
    addPtr, addStride, scalePtr, , leak, nzStarts, nzEntries] = c.args;
  const mem = new Uint8Array(c.memory);
  const copy = (p: number, bytes: number) => (p ? mem.slice(p, p + bytes) : null);
  const nnz = nzStarts ? new Int32Array(c.memory, nzStarts, c.inputRows + 1)[c.inputRows] : 0;
  return {
    op: c.op, kind: c.kind, level: c.level, pairs: c.pairs, density: nzStarts ? nnz / (c.inputRows * cin) : 1,
    scalars: { inStride, outStride, nOut, cin, coutPad, K, tileRows, nTiles, addStride, leak },
    bytes: {
      x: copy(inPtr, c.inputRows * inStride * 4), w: copy(wPtr, K * cin * coutPad * 4),
      tiles: copy(tilePtr, K * (nTiles + 1) * 4), ruleIn: copy(ruleIn, c.pairs * 4), ruleOut: copy(ruleOut, c.pairs * 4),
      add: copy(addPtr, nOut * addStride * 4), bn: copy(scalePtr, 2 * coutPad * 4),
      nzStarts: copy(nzStarts, (c.inputRows + 1) * 4), nzEntries: copy(nzEntries, nnz * 8 + 8),
    },
  };
}

export interface Replay { dir: string; calls: (() => void)[]; outputs: (() => Uint32Array)[] }

/** Places every captured convolution in a fresh instance of a build's kernels. */
export async function load(dir: string, convs: Captured[]): Promise<Replay> {
  const { Arena } = await buildModule(dir, "backend/wasm/arena.js");
  const { instantiateKernels } = await buildModule(dir, "backend/wasm/module.js");
  const k = await instantiateKernels("deterministic");
  const arena = new Arena(k);
  const put = (b: Uint8Array | null) => {
    if (!b) return 0;
    const p = arena.alloc(b.length);
    new Uint8Array(k.memory.buffer).set(b, p);
    return p;
  };
  const calls: (() => void)[] = [], outputs: (() => Uint32Array)[] = [];
  for (const c of convs) {
    const s = c.scalars, b = c.bytes;
    const x = put(b.x), w = put(b.w), tiles = put(b.tiles), rin = put(b.ruleIn), rout = put(b.ruleOut);
    const add = put(b.add), bn = put(b.bn), nzs = put(b.nzStarts), nze = put(b.nzEntries);
    const y = arena.alloc(s.nOut * s.outStride * 4);
    calls.push(() => k.convRules(x, s.inStride, y, s.outStride, s.nOut, w, s.cin, s.coutPad, s.K, tiles, s.tileRows, s.nTiles,
      0, s.nTiles, rin, rout, add, s.addStride, bn, bn ? bn + s.coutPad * 4 : 0, s.leak, nzs, nze));
    outputs.push(() => new Uint32Array(k.memory.buffer, y, s.nOut * s.outStride).slice());
  }
  return { dir, calls, outputs };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { filters: { type: "string", default: "32" }, rounds: { type: "string", default: "20" }, "per-op": { type: "boolean", default: false }, hot: { type: "boolean", default: false } },
  });
  if (positionals.length < 2) throw new Error("usage: conv-replay <event dir> <build> [<build> ...] [--filters 16|32] [--rounds N] [--per-op] [--hot]");
  const [eventDir, ...dirs] = positionals;
  const filters = Number(values.filters), rounds = Number(values.rounds);
  // This build runs the event (dist/bench/ -> the package root).
  const here = await warmedEngine(resolve(dirname(fileURLToPath(import.meta.url)), "..", ".."), eventDir, filters);
  const convs: Captured[] = [];
  here.run({ onConvolution: (c: ConvolutionCall) => convs.push(capture(c)) });
  await here.close();

  const replays: Replay[] = [];
  for (const dir of dirs) replays.push(await load(dir, convs));
  const times = replays.map(() => convs.map((): number[] => []));
  const totals: number[][] = replays.map(() => []);
  for (let r = 0; r < rounds + 2; r++) {
    // Alternate which build goes first; the first two rounds are warm-up.
    const order = r % 2 ? replays.map((_, i) => i) : replays.map((_, i) => replays.length - 1 - i);
    for (const i of order) {
      let total = 0;
      replays[i].calls.forEach((call, j) => {
        if (values.hot) call();
        const t0 = performance.now();
        call();
        const dt = performance.now() - t0;
        total += dt;
        if (r >= 2) times[i][j].push(dt);
      });
      if (r >= 2) totals[i].push(total);
    }
  }
  const differing = new Set<number>();
  convs.forEach((_, j) => {
    const ref = replays[0].outputs[j]();
    for (const rp of replays.slice(1)) {
      const o = rp.outputs[j]();
      if (o.length !== ref.length || o.some((v, q) => v !== ref[q])) differing.add(j);
    }
  });
  const ratio = (a: number[], b: number[]) => (median(a) / median(b)).toFixed(3);
  if (values["per-op"]) {
    convs.forEach((c, j) => console.log(
      `${String(c.op).padStart(3)} ${c.kind.padEnd(7)} L${c.level} ${String(c.scalars.cin).padStart(3)}->${String(c.scalars.coutPad).padStart(3)} ` +
      `pairs ${String(c.pairs).padStart(6)} density ${c.density.toFixed(2)}  ` +
      replays.map((rp, i) => `${median(times[i][j]).toFixed(3)} ms`).join("  ") +
      (replays.length > 1 ? `  ratio ${replays.slice(1).map((_, i) => ratio(times[i + 1][j], times[0][j])).join(" ")}` : "") +
      (differing.has(j) ? "  BITS DIFFER" : "")));
  }
  console.log(`${eventDir.replace(/\/+$/, "").split("/").pop()} ${filters} filters, ${convs.length} convolutions, ${rounds} rounds${values.hot ? " (hot)" : ""}: ` +
    replays.map((rp, i) => `${rp.dir} ${median(totals[i]).toFixed(2)} ms`).join(", ") +
    (replays.length > 1 ? `; ratio ${replays.slice(1).map((_, i) => ratio(totals[i + 1], totals[0])).join(" ")}` : "") +
    `; outputs ${differing.size ? `differ in ${differing.size} convolutions` : "bit-identical"}`);
  if (differing.size) process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((e) => { console.error(e instanceof Error ? e.message : e); process.exit(1); });
}
