import { readFileSync } from "node:fs";
import { join } from "node:path";
import { runConformanceCase } from "../node/conformance.js";
import { resourceRoot } from "../node/resource-root.js";
import { readEventFile } from "../node/event-file.js";
import { configFromManifest } from "../model/config.js";
import { buildUResNet } from "../model/uresnet.js";
import { median } from "../util/stats.js";
import { engineFromFlags } from "./engine-flags.js";
import { parseSafetensors } from "../weights/safetensors.js";
import { importScnStateDict } from "../weights/scn.js";
import { parse } from "./args.js";

const HELP = `usage: sparsessnet demo [--runs N] [--fast | --threads N]

The main job on bundled data. Until a trained model ships, the bundled model is SparseConvNet's
conformance model (16 filters, 5 levels, 2D, seeded random weights: its labels are not physics).
  1. checks the bundled conformance case against SparseConvNet's own outputs;
  2. segments a bundled 1008 x 3456 wire-plane image with 17,000 active pixels and prints the
     per-event time (median of N runs after one warm-up, default 5) next to SparseConvNet's.
  --fast       relaxed-SIMD fused multiply-add kernels (faster, not bit-identical)
  --threads N  spread each convolution over N threads (same bits as 1 thread)`;

export const SAMPLES = join(resourceRoot(), "samples");

export async function demo(argv: string[]): Promise<number> {
  const { values } = parse(argv, { runs: { type: "string" }, fast: { type: "boolean" }, threads: { type: "string" } });
  if (values.help) { console.log(HELP); return 0; }
  const runs = Math.max(1, Number(values.runs ?? 5) | 0);
  const { engine, close } = await engineFromFlags(values);

  const caseDir = join(SAMPLES, "scn-2d-m16-small");
  const rep = await runConformanceCase(engine, caseDir);
  console.log(`conformance ${rep.case}: ${rep.ok ? "PASS" : "FAIL"} (${rep.checks.map((c) => `${c.name} max|diff| ${c.maxAbsDiff.toExponential(2)}`).join(", ")})`);

  const manifest = JSON.parse(readFileSync(join(caseDir, "manifest.json"), "utf8"));
  const config = configFromManifest(manifest.dim, manifest.model);
  const weights = importScnStateDict(buildUResNet(config), parseSafetensors(new Uint8Array(readFileSync(join(caseDir, "weights.safetensors")))).tensors);
  const model = engine.loadModel(config, weights);
  const ev = readEventFile(join(SAMPLES, "2d-1008x3456-17k"));
  engine.run(model, ev.tensor);
  const times: number[] = [];
  let res = engine.run(model, ev.tensor);
  for (let i = 0; i < runs; i++) { res = engine.run(model, ev.tensor); times.push(res.timings.totalMs); }
  const counts = [0, 0, 0, 0, 0];
  res.labels.forEach((l) => counts[l]++);
  const track = res.trackShower.reduce((a, b) => a + (b === 0 ? 1 : 0), 0);
  const scn = readFileSync(join(SAMPLES, "2d-1008x3456-17k", "scn-timings.jsonl"), "utf8").trim().split("\n")
    .map((l) => JSON.parse(l)).find((r) => r.m === 16);
  const ours = median(times);
  console.log(`event 2d-1008x3456-17k: ${res.nRows} pixels, sites per level [${res.levelSizes.join(", ")}], ${(res.multiplyAdds / 1e9).toFixed(2)} G multiply-adds`);
  console.log(`labels (random weights, not physics): HIP ${counts[0]}, MIP ${counts[1]}, shower ${counts[2]}, delta ${counts[3]}, Michel ${counts[4]}; track ${track}, shower ${res.nRows - track}`);
  console.log(`per-event time: ${ours.toFixed(1)} ms (median of ${runs} after warm-up, ${engine.mode} wasm SIMD kernels, ${engine.threads} thread(s))` +
    (scn ? `; SparseConvNet CPU 1 thread: ${(scn.median_s * 1000).toFixed(1)} ms; ratio ${(ours / (scn.median_s * 1000)).toFixed(2)}` : ""));
  await close();
  return rep.ok ? 0 : 1;
}
