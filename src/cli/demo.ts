import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { renderEventDisplay } from "../display/event-display.js";
import { MetricsAccumulator } from "../metrics/segmentation-metrics.js";
import { runConformanceCase } from "../node/conformance.js";
import { readEventFile } from "../node/event-file.js";
import { loadModelInto } from "../node/model-io.js";
import { KERNEL_LEARNING_EVENTS } from "../backend/wasm/kernel-timings.js";
import { openEventFile } from "../node/open-events.js";
import { writePng } from "../node/png.js";
import { resourceRoot } from "../node/resource-root.js";
import { cpuFields, scnTiming } from "../node/scn-timings.js";
import type { Model } from "../engine.js";
import { parseModelConfig } from "../model/config.js";
import { buildUResNet } from "../model/uresnet.js";
import { median } from "../util/stats.js";
import { randomWeights } from "../weights/random-init.js";
import { engineFromFlags } from "./engine-flags.js";
import { integerOpt, parse } from "./args.js";

const HELP = `usage: sparsessnet demo [--runs N] [--out DIR] [--fast | --threads N]

The main job on bundled data with the shipped models (default-2d, default-3d):
  1. checks the engine against SparseConvNet's own outputs (a bundled conformance case);
  2. segments the bundled labelled events (10 simulated 3D cubes, 3 simulated MicroBooNE
     Y-plane images; a seed the training never saw) and prints per-event time and accuracy;
  3. writes event displays (truth, prediction, correctness) to DIR (default sparsessnet-demo/);
  4. times the 2D model on a 1008 x 3456 image with 17,000 active pixels (median of N runs after a
     warm-up in which the engine learns its kernels; default 5), and SparseSSNet's network (depth 5, the model's filters) on that image
     next to SparseConvNet's recorded CPU time for the same network.
  --fast       relaxed-SIMD fused multiply-add kernels (faster, not bit-identical)
  --threads N  spread each convolution over N threads (same bits as 1 thread)`;

export const SAMPLES = join(resourceRoot(), "samples");

export async function demo(argv: string[]): Promise<number> {
  const { values } = parse(argv, { runs: { type: "string" }, out: { type: "string" }, fast: { type: "boolean" }, threads: { type: "string" } });
  if (values.help) { console.log(HELP); return 0; }
  const runs = integerOpt("runs", values.runs, 5, 1);
  const outDir = (values.out as string | undefined) ?? "sparsessnet-demo";
  mkdirSync(outDir, { recursive: true });
  const { engine, close } = await engineFromFlags(values);
  let ok = true;

  const rep = await runConformanceCase(engine, join(SAMPLES, "scn-2d-m16-small"));
  ok &&= rep.ok;
  console.log(`conformance with SparseConvNet (${rep.case}): ${rep.ok ? "PASS" : "FAIL"} (${rep.checks.map((c) => `${c.name} max|diff| ${c.maxAbsDiff.toExponential(2)}`).join(", ")})`);

  for (const [name, file] of [["default-3d", "sim-3d-192.h5"], ["default-2d", "sim-2d-Y.h5"]] as const) {
    const model = loadModelInto(engine, name);
    const f = openEventFile(join(SAMPLES, file));
    const acc = new MetricsAccumulator();
    const times: number[] = [], settledTimes: number[] = [];
    for (let i = 0; i < f.count; i++) {
      const ev = f.read(i);
      const res = engine.run(model, ev.tensor);
      // An event on which the engine timed both kernels of some convolutions is slower than the
      // others (kernel-timings.ts): said so on its line, and left out of the median when others remain.
      const trials = res.kernelTrials ?? 0;
      times.push(res.timings.totalMs);
      if (!trials) settledTimes.push(res.timings.totalMs);
      const m = acc.add(ev.labels!, res.labels);
      console.log(`  ${name} ${file} event ${i}: ${res.nRows} sites, ${res.timings.totalMs.toFixed(1)} ms${trials ? ` (both kernels timed on ${trials} convolution${trials > 1 ? "s" : ""})` : ""}, ` +
        `accuracy ${(100 * m.nonzeroAccuracy).toFixed(1)}%, track/shower ${(100 * m.trackShowerAccuracy).toFixed(1)}%`);
      if (i === 0) {
        const png = join(outDir, `${name}-event0.png`);
        writePng(png, renderEventDisplay(ev, { colourBy: ["energy", "truth", "prediction", "correctness"], predictions: res.labels, crop: ev.tensor.dim === 2, title: `${name}: event 0 of ${file}` }));
        console.log(`  wrote ${png}`);
      }
    }
    f.close();
    const r = acc.result();
    const timed = settledTimes.length ? `median ${median(settledTimes).toFixed(1)} ms per event (${settledTimes.length} event${settledTimes.length > 1 ? "s" : ""} without kernel trials)`
      : `median ${median(times).toFixed(1)} ms per event (every event with kernel trials)`;
    console.log(`${name} on ${file}: ${r.events} events, ${r.sites} sites, ${timed}; ` +
      `accuracy ${(100 * r.nonzeroAccuracy).toFixed(2)} ± ${(100 * r.standardError.nonzeroAccuracy).toFixed(2)}%, ` +
      `track/shower ${(100 * r.trackShowerAccuracy).toFixed(2)} ± ${(100 * r.standardError.trackShowerAccuracy).toFixed(2)}%, ` +
      `class-wise ${r.classNames.map((c, k) => `${c} ${Number.isNaN(r.classAccuracy[k]) ? "-" : (100 * r.classAccuracy[k]).toFixed(1)}`).join(" ")}`);
    engine.unloadModel(model);
  }

  const ev = readEventFile(join(SAMPLES, "2d-1008x3456-17k"));
  const timeRuns = (model: Model) => {
    // Warm-up: V8 tiers the kernels up, and the engine learns which convolution kernel is faster here.
    for (let i = 0; i < KERNEL_LEARNING_EVENTS; i++) engine.run(model, ev.tensor);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(engine.run(model, ev.tensor).timings.totalMs);
    return median(times);
  };
  const mode = `median of ${runs} after warm-up, ${engine.mode} wasm SIMD, ${engine.threads} thread(s)`;
  const model = loadModelInto(engine, "default-2d");
  const cfg = model.config;
  console.log(`2d-1008x3456-17k (${ev.tensor.coords.length / 2} pixels), default-2d (depth ${cfg.depth}): ${timeRuns(model).toFixed(1)} ms per event (${mode})`);
  engine.unloadModel(model);
  // SparseConvNet's recorded time is of SparseSSNet's network (depth 5) with this many filters: time
  // that network too (random weights) when the shipped model is deeper, so the ratio compares like with like.
  const scn = scnTiming(join(SAMPLES, "2d-1008x3456-17k"), cfg.filters);
  if (scn) {
    const net = parseModelConfig({ dim: 2, filters: cfg.filters, depth: 5, inputChannels: cfg.inputChannels });
    const reference = engine.loadModel(net, randomWeights(buildUResNet(net), 1234));
    const ours = timeRuns(reference);
    engine.unloadModel(reference);
    console.log(`  SparseSSNet's network (depth 5, ${cfg.filters} filters, random weights): ${ours.toFixed(1)} ms; SparseConvNet CPU 1 thread: ${(scn.median_s * 1000).toFixed(1)} ms; ratio ${(ours / (scn.median_s * 1000)).toFixed(2)}`);
    const { scn_cpu_note } = cpuFields(scn);
    if (scn_cpu_note !== null) console.log(`  note: ${scn_cpu_note}`);
  }
  await close();
  return ok ? 0 : 1;
}
