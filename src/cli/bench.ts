import { join } from "node:path";
import { parseModelConfig } from "../model/config.js";
import { sharedDir } from "../node/shared-dir.js";
import { readEventFile } from "../node/event-file.js";
import { cpuFields, scnTiming, type CpuFields } from "../node/scn-timings.js";
import { median } from "../util/stats.js";
import { loadModelInto } from "../node/model-io.js";
import { randomModelFile } from "../node/random-model-file.js";
import { integerOpt, parse, requireOpt, UsageError } from "./args.js";
import { benchTrain, formatTrainBench } from "./bench-train.js";
import { KERNEL_LEARNING_EVENTS } from "../backend/wasm/kernel-timings.js";
import { createEngine, threadsFlag } from "./engine-flags.js";

const HELP = `usage: sparsessnet bench --event <dir> [--filters 16|32] [--depth 5] [--model M] [--runs N] [--warmup N]
                        [--backend wasm] [--fast | --threads N] [--json]
       sparsessnet bench --train [--event <dir>] [--filters 16] [--runs N] [--warmup N] [--threads N] [--json]

Per-event time of the U-ResNet (random weights) on a bench event folder (event.safetensors,
manifest.json), next to SparseConvNet's single-thread CPU time recorded for that event and filter
count (scn-timings.jsonl beside the folder). Reports the median of N runs after warm-up (default
4 events and one more: on the first the engine runs the kernels its cost model picks, on up to
three more it runs both kernels of a convolution to learn which is faster here), peak RSS,
wasm memory, multiply-adds and effective GFLOP/s, the GFLOP/s of the convolutions alone (the fastest of
three profiled runs), and the start-up time (compile the wasm, load the weights, ready for the first
event).
With --model M (default-2d, default-3d or a model file): that model's weights instead of random ones; its
config gives the filters and depth. A trained network's ReLUs leave another share of zeros than random
weights do, and the channel-sparse kernel's time follows it.
With --train: seconds per training iteration (forward, backward, Adam) on a labelled batch (default
the shared bench event 2d-512-train-batch8), next to SparseConvNet's recorded CPU training step.
Benchmark on a quiet machine: this measures, it does not test.`;

export interface BenchReport extends CpuFields {
  event: string; nActive: number; filters: number; depth: number; backend: string; mode: string; threads: number;
  /** "random" (the default, seeded) or the model given by --model. */
  weights: string;
  median_s: number; runs_s: number[]; first_event_s: number; startup_ms: number; peak_rss_mib: number; wasm_memory_mib: number;
  multiply_adds: number; effective_gflops: number; conv_gflops: number;
  /** Profiled run: the share of the convolutions' multiply-adds really done, their GFLOP/s, and the
   *  GFLOP/s they would need for half of SparseConvNet's time (null in JSON: no SparseConvNet time,
   *  or out of reach even with instant convolutions). */
  conv_executed_fraction: number; conv_executed_gflops: number; conv_executed_gflops_needed_for_half: number | null;
  /** Seconds in the convolutions and the multiply-adds they did (profiled run), for the same
   *  calculation against another SparseConvNet time (bench/suite.ts --scn). */
  conv_s: number; conv_executed_multiply_adds: number;
  scn_median_s: number | null; ratio_to_scn: number | null;
  per_site_us: number;
}

/** Options of one event's benchmark: with `model` (a built-in name or a file), its weights and
 *  config, else random weights of `filters` and `depth`. */
export interface BenchEventOptions {
  event: string; filters: number; depth: number; runs: number; warmup: number; fast?: boolean; threads?: number; model?: string;
}

export async function benchEvent(opts: BenchEventOptions): Promise<BenchReport> {
  const ev = readEventFile(opts.event);
  const modelPath = opts.model ?? randomModelFile(parseModelConfig({ dim: ev.tensor.dim, filters: opts.filters, depth: opts.depth, inputChannels: ev.tensor.channels }), 1234);
  const tStart = performance.now();
  const { engine, close } = await createEngine({ fast: Boolean(opts.fast), threads: opts.threads ?? 1 });
  // Start-up as a user sees it: read the model file (straight into wasm memory), parse it, pack
  // the weights. The engine keeps no other copy, so the peak memory is that of a run.
  const model = loadModelInto(engine, modelPath);
  const startup = performance.now() - tStart;
  const cfg = model.config;
  if (opts.model !== undefined && (cfg.dim !== ev.tensor.dim || cfg.inputChannels !== ev.tensor.channels)) {
    await close();
    throw new UsageError(`--model ${opts.model} takes ${cfg.dim}D events with ${cfg.inputChannels} input channel(s); ` +
      `${opts.event} holds ${ev.tensor.dim}D sites with ${ev.tensor.channels}`);
  }
  const first = engine.run(model, ev.tensor).timings.totalMs;
  for (let i = 1; i < opts.warmup; i++) engine.run(model, ev.tensor);
  const runs: number[] = [];
  let res = engine.run(model, ev.tensor);
  for (let i = 0; i < opts.runs; i++) { res = engine.run(model, ev.tensor); runs.push(res.timings.totalMs / 1000); }
  // The convolutions' own time: the fastest of three profiled runs (a busy machine only adds time;
  // one profiled run that fell in a slow minute made a whole report's GFLOP/s read low).
  const convMsOf = (p: Record<string, number>) => Object.entries(p).filter(([k]) => k.startsWith("subconv") || k === "down" || k === "up").reduce((s, [, v]) => s + v, 0);
  const profiledRuns = [0, 1, 2].map(() => engine.run(model, ev.tensor, { profile: true }));
  const profiled = profiledRuns.reduce((a, b) => (convMsOf(b.profile!) < convMsOf(a.profile!) ? b : a));
  const convMs = convMsOf(profiled.profile!);
  await close();
  const med = median(runs);
  const name = opts.event.replace(/\/+$/, "").split("/").pop()!;
  const scn = cfg.depth === 5 ? scnTiming(opts.event, cfg.filters) : undefined;
  return {
    event: name, nActive: res.nSites, filters: cfg.filters, depth: cfg.depth, backend: engine.backend, mode: engine.mode, threads: engine.threads,
    weights: opts.model ?? "random",
    median_s: med, runs_s: runs, first_event_s: first / 1000, startup_ms: startup,
    peak_rss_mib: process.resourceUsage().maxRSS / 1024, wasm_memory_mib: engine.memoryBytes / 2 ** 20,
    multiply_adds: res.multiplyAdds, effective_gflops: (2 * res.multiplyAdds) / med / 1e9,
    conv_gflops: (2 * res.convMultiplyAdds) / (convMs / 1000) / 1e9,
    conv_s: convMs / 1000, conv_executed_multiply_adds: profiled.executedConvMultiplyAdds!,
    ...executedRates(med, convMs / 1000, profiled.executedConvMultiplyAdds!, res.convMultiplyAdds, scn?.median_s),
    scn_median_s: scn?.median_s ?? null, ratio_to_scn: scn ? med / scn.median_s : null,
    ...cpuFields(scn),
    per_site_us: (med / res.nSites) * 1e6,
  };
}

/** What the convolution kernels really did (the channel-sparse kernel skips zero inputs) and how
 *  fast, and the rate they would need for half of SparseConvNet's time. */
function executedRates(medianS: number, convS: number, executed: number, convMacs: number, scnS: number | undefined):
  Pick<BenchReport, "conv_executed_fraction" | "conv_executed_gflops" | "conv_executed_gflops_needed_for_half"> {
  return {
    conv_executed_fraction: executed / convMacs,
    conv_executed_gflops: (2 * executed) / convS / 1e9,
    conv_executed_gflops_needed_for_half: scnS === undefined ? null : gflopsNeededForHalf(medianS, convS, executed, scnS),
  };
}

/** The GFLOP/s the convolutions (`executed` multiply-adds, `convS` seconds of a `medianS` event)
 *  would need for the whole event to take half of `scnS`, with everything else unchanged
 *  (Infinity: not even instant convolutions would do; null in JSON). */
export function gflopsNeededForHalf(medianS: number, convS: number, executed: number, scnS: number): number {
  const budgetS = scnS / 2 - Math.max(0, medianS - convS);
  return budgetS > 0 ? (2 * executed) / budgetS / 1e9 : Infinity;
}

export async function bench(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    event: { type: "string" }, filters: { type: "string" }, depth: { type: "string" }, runs: { type: "string" }, warmup: { type: "string" },
    backend: { type: "string" }, json: { type: "boolean" }, fast: { type: "boolean" }, threads: { type: "string" }, train: { type: "boolean" },
    model: { type: "string" },
  });
  if (values.help) { console.log(HELP); return 0; }
  if (values.train) {
    const r = await benchTrain({
      event: values.event ?? join(sharedDir(), "bench-events", "2d-512-train-batch8"), filters: integerOpt("filters", values.filters, 16, 1),
      depth: integerOpt("depth", values.depth, 5, 1), runs: integerOpt("runs", values.runs, 5, 1), warmup: integerOpt("warmup", values.warmup, 4, 0),
      threads: threadsFlag(values.threads),
    });
    console.log(values.json ? JSON.stringify(r) : formatTrainBench(r));
    return 0;
  }
  if (values.model !== undefined && (values.filters !== undefined || values.depth !== undefined)) {
    throw new UsageError("--model brings its own filters and depth: leave out --filters and --depth");
  }
  if (values.backend !== undefined && values.backend !== "wasm") throw new UsageError(`--backend ${values.backend}: bench measures the wasm backend (WebGPU timing needs a real GPU)`);
  const r = await benchEvent({
    event: requireOpt("event", values.event), filters: integerOpt("filters", values.filters, 16, 1), depth: integerOpt("depth", values.depth, 5, 1),
    runs: integerOpt("runs", values.runs, 5, 1), warmup: integerOpt("warmup", values.warmup, KERNEL_LEARNING_EVENTS - 1, 1), fast: Boolean(values.fast),
    threads: threadsFlag(values.threads), model: values.model,
  });
  if (values.json) { console.log(JSON.stringify(r)); return 0; }
  console.log(`${r.event}: ${r.nActive} sites, ${r.filters} filters, depth ${r.depth}, ${r.weights} weights, ${r.backend} ${r.mode}, ${r.threads} thread(s)`);
  console.log(`  median ${(r.median_s * 1000).toFixed(1)} ms (${r.runs_s.length} runs), first event ${(r.first_event_s * 1000).toFixed(1)} ms, start-up ${r.startup_ms.toFixed(0)} ms`);
  console.log(`  ${(r.multiply_adds / 1e9).toFixed(2)} G multiply-adds, ${r.effective_gflops.toFixed(1)} GFLOP/s overall, ${r.conv_gflops.toFixed(1)} GFLOP/s in the convolutions, ${r.per_site_us.toFixed(2)} us per site`);
  const need = r.conv_executed_gflops_needed_for_half;
  console.log(`  convolutions: ${(100 * r.conv_executed_fraction).toFixed(0)}% of their multiply-adds done (zero inputs skipped), at ${r.conv_executed_gflops.toFixed(1)} GFLOP/s` +
    (need === null ? "" : `; half of SparseConvNet's time needs ${Number.isFinite(need) ? `${need.toFixed(1)} GFLOP/s` : "more than instant convolutions"}`));
  console.log(`  peak RSS ${r.peak_rss_mib.toFixed(0)} MiB, wasm memory ${r.wasm_memory_mib.toFixed(0)} MiB`);
  if (r.scn_median_s !== null) console.log(`  SparseConvNet (CPU, 1 thread): ${(r.scn_median_s * 1000).toFixed(1)} ms; ratio ${r.ratio_to_scn!.toFixed(2)}`);
  if (r.scn_cpu_note !== null) console.log(`  note: ${r.scn_cpu_note}`);
  return 0;
}
