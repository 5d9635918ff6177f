import { writeFileSync } from "node:fs";
import { readEventFile } from "../node/event-file.js";
import { loadModelFile } from "../node/model-io.js";
import { prepareSparse } from "../tensor/prepare.js";
import { median } from "../util/stats.js";
import { serializeSafetensors } from "../weights/safetensors.js";
import { numberList, parse, requireOpt, UsageError } from "./args.js";
import { engineFromFlags } from "./engine-flags.js";

const HELP = `usage: sparsessnet segment --weights W [--config C] --event E --out O [options]

Segments one event and writes, per input row: logits [N, classes] and scores [N, classes]
(F32), labels [N] (U8: 0 HIP, 1 MIP, 2 shower, 3 delta, 4 Michel) and track_shower [N] (U8:
0 track, 1 shower), as safetensors. Prints the per-event time.
  --weights W        model file (safetensors, SparseConvNet state_dict names)
  --config C         model config JSON (or a conformance manifest.json); default: embedded in W
  --event E          event safetensors (coords, features[, batch]) or a folder with event.safetensors
  --out O            output safetensors file
  --spatial-size S   e.g. 1008,3456 (default: from the event's metadata or manifest.json)
  --threshold A,B    keep only rows with A <= value <= B (SparseSSNet uses 10,300 on ADC images)
  --runs N           time N runs after one warm-up and report the median (default 1, no warm-up)
  --fast             relaxed-SIMD fused multiply-add kernels: faster, NOT bit-identical to the default
                     deterministic mode (nor across machines)
  --threads N        spread each convolution over N threads (same bits as 1 thread; default 1)`;

export async function segment(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    weights: { type: "string" }, config: { type: "string" }, event: { type: "string" }, out: { type: "string" },
    "spatial-size": { type: "string" }, threshold: { type: "string" }, runs: { type: "string" }, fast: { type: "boolean" }, threads: { type: "string" },
  });
  if (values.help) { console.log(HELP); return 0; }
  const runs = values.runs === undefined ? 1 : Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new UsageError(`--runs ${values.runs}: expected a positive integer`);
  const mf = loadModelFile(requireOpt("weights", values.weights), values.config);
  const ev = readEventFile(requireOpt("event", values.event), numberList("spatial-size", values["spatial-size"], [2, 3]));
  const out = requireOpt("out", values.out);
  const th = numberList("threshold", values.threshold, [2]);
  const { tensor, keptRows } = th ? prepareSparse(ev.tensor, { window: { min: th[0], max: th[1] } }) : { tensor: ev.tensor, keptRows: undefined };

  const { engine, close } = await engineFromFlags(values);
  const model = engine.loadModel(mf.config, mf.weights);
  const times: number[] = [];
  let res = engine.run(model, tensor);
  times.push(res.timings.totalMs);
  if (runs > 1) {
    times.length = 0;
    for (let i = 0; i < runs; i++) { res = engine.run(model, tensor); times.push(res.timings.totalMs); }
  }
  const N = res.nRows, C = res.classes;
  const tensors: Record<string, { dtype: "F32" | "U8" | "I32"; shape: number[]; data: Float32Array | Uint8Array | Int32Array }> = {
    logits: { dtype: "F32", shape: [N, C], data: res.logits },
    scores: { dtype: "F32", shape: [N, C], data: res.scores },
    labels: { dtype: "U8", shape: [N], data: res.labels },
    track_shower: { dtype: "U8", shape: [N], data: res.trackShower },
  };
  if (keptRows) tensors.input_rows = { dtype: "I32", shape: [N], data: keptRows };
  writeFileSync(out, serializeSafetensors(tensors));
  const counts = [0, 0, 0, 0, 0];
  res.labels.forEach((l) => counts[l]++);
  console.log(`event ${ev.path}: ${N} rows, ${res.nSites} sites, levels [${res.levelSizes.join(", ")}]`);
  console.log(`labels: HIP ${counts[0]}, MIP ${counts[1]}, shower ${counts[2]}, delta ${counts[3]}, Michel ${counts[4]}`);
  console.log(`per-event time: ${median(times).toFixed(2)} ms, ${engine.mode} kernels, ${engine.threads} thread(s)${runs > 1 ? ` (median of ${runs} runs after 1 warm-up)` : " (single cold run; use --runs for a median)"}`);
  console.log(`wrote ${out}`);
  await close();
  return 0;
}
