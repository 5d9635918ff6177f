// `sparsessnet bench --train`: seconds per training iteration (forward, backward, running
// statistics, Adam) on a labelled bench batch, next to SparseConvNet's recorded CPU training step
// on the same batch (scn-timings.jsonl, mode "train-step"): same network (m filters, 5 levels),
// plain cross-entropy, Adam lr 1e-3, batch-norm momentum 0.99.

import { IGNORE_LABEL } from "../data/labelled-event.js";
import { instantiateKernels } from "../backend/wasm/module.js";
import { InvalidInputError } from "../errors.js";
import { parseModelConfig } from "../model/config.js";
import { buildUResNet } from "../model/uresnet.js";
import { readEventFile } from "../node/event-file.js";
import { createConvThreads } from "../node/threads.js";
import { cpuFields, scnTiming, type CpuFields } from "../node/scn-timings.js";
import { Adam, updateRunningStats } from "../train/adam.js";
import { AdamKernel } from "../train/adam-kernel.js";
import { ForwardBackward } from "../train/forward-backward.js";
import { median } from "../util/stats.js";
import { asInt32, parseSafetensors } from "../weights/safetensors.js";
import { randomWeights } from "../weights/random-init.js";
import { readFileSync } from "node:fs";

export interface TrainBenchReport extends CpuFields {
  event: string; nActive: number; batchSize: number; filters: number; depth: number; threads: number;
  median_s: number; runs_s: number[]; losses: number[]; peak_rss_mib: number; wasm_memory_mib: number;
  scn_median_s: number | null; ratio_to_scn: number | null; scn_peak_rss_mib: number | null; scn_losses: number[] | null;
}

export async function benchTrain(opts: { event: string; filters: number; depth: number; runs: number; warmup: number; threads?: number }): Promise<TrainBenchReport> {
  const ev = readEventFile(opts.event);
  const raw = parseSafetensors(new Uint8Array(readFileSync(ev.path)), ev.path).tensors.get("labels");
  if (!raw) throw new InvalidInputError(`${ev.path}: no "labels" tensor; a training bench needs labelled rows`);
  const labels = asInt32(raw, "labels");
  const cfg = parseModelConfig({ dim: ev.tensor.dim, filters: opts.filters, depth: opts.depth, inputChannels: ev.tensor.channels });
  const threads = opts.threads ?? 1;
  const pool = threads > 1 ? await createConvThreads(threads) : undefined;
  const k = pool ? pool.k : await instantiateKernels();
  const fb = new ForwardBackward(k, cfg, pool?.parallel);
  const params = randomWeights(buildUResNet(cfg), 1234);
  const weights = Float32Array.from(labels, (l) => (l === IGNORE_LABEL ? 0 : 1));
  const adam = new Adam({ lr: 1e-3 }, new AdamKernel(k, fb.arena));
  const runs: number[] = [], losses: number[] = [];
  for (let i = 0; i < opts.warmup + opts.runs; i++) {
    const t0 = performance.now();
    const r = fb.run(params, ev.tensor, labels, weights, { taps: false });
    updateRunningStats(params, r.batchStats, 0.99);
    adam.apply(new Map([...params].filter(([name]) => r.grads.has(name))), r.grads);
    const dt = (performance.now() - t0) / 1000;
    losses.push(r.loss);
    if (i >= opts.warmup) runs.push(dt);
  }
  await pool?.close();
  const scn = scnTiming(opts.event, opts.filters, "train-step") as (ReturnType<typeof scnTiming> & { losses?: number[] }) | undefined;
  const med = median(runs);
  const batch = ev.tensor.batch;
  return {
    event: opts.event.replace(/\/+$/, "").split("/").pop()!, nActive: labels.length,
    batchSize: batch ? new Set(batch).size : 1, filters: opts.filters, depth: opts.depth, threads,
    median_s: med, runs_s: runs, losses, peak_rss_mib: process.resourceUsage().maxRSS / 1024, wasm_memory_mib: fb.memoryBytes / 2 ** 20,
    scn_median_s: scn?.median_s ?? null, ratio_to_scn: scn ? med / scn.median_s : null, scn_peak_rss_mib: scn?.peak_rss_mib ?? null, scn_losses: scn?.losses ?? null,
    ...cpuFields(scn),
  };
}

export function formatTrainBench(r: TrainBenchReport): string {
  return [
    `${r.event}: ${r.nActive} sites in a batch of ${r.batchSize}, ${r.filters} filters, depth ${r.depth}, training step (forward, backward, Adam)`,
    `  median ${(r.median_s * 1000).toFixed(1)} ms per iteration (${r.runs_s.length} runs, ${r.threads} thread${r.threads > 1 ? "s" : ""}), peak RSS ${r.peak_rss_mib.toFixed(0)} MiB, wasm memory ${r.wasm_memory_mib.toFixed(0)} MiB`,
    `  losses ${r.losses.map((l) => l.toFixed(4)).join(" ")}`,
    ...(r.scn_median_s !== null ? [
      `  SparseConvNet (CPU, 1 thread): ${(r.scn_median_s * 1000).toFixed(1)} ms per iteration; ratio ${r.ratio_to_scn!.toFixed(2)}` +
        (r.scn_peak_rss_mib !== null ? `; its peak RSS ${r.scn_peak_rss_mib.toFixed(0)} MiB` : ""),
      ...(r.scn_losses ? [`  SparseConvNet losses ${r.scn_losses.map((l) => l.toFixed(4)).join(" ")} (its own random weights)`] : []),
    ] : []),
    ...(r.scn_cpu_note !== null ? [`  note: ${r.scn_cpu_note}`] : []),
  ].join("\n");
}
