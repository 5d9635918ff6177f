// The predictions layout (HDF5), one entry per segmented event:
//   labels   vlen uint8  (N: 0 HIP, 1 MIP, 2 shower, 3 delta, 4 Michel, per input row)
//   scores   vlen float32 or float16 (N * 5, row-major [N, 5]: softmax scores)
//   event_index int32 [E] (index of the event in the input file), sites int32 [E], time_ms float64 [E]
// Files of shards (or of the parts of one run) are merged by event index.

import { renameSync } from "node:fs";
import { InvalidInputError } from "../errors.js";
import { dataset, datasetLength, vlenElement } from "./hdf5-read.js";
import { openH5 } from "../node/h5-open.js";
import { Hdf5VlenWriter, toFloat16 } from "./hdf5-vlen-writer.js";

export interface EventPrediction { eventIndex: number; labels: Uint8Array; scores: Float32Array; timeMs: number }

/** Writes under "<path>.tmp" and renames when complete: a crash never leaves a partial file. */
export function writePredictions(path: string, preds: EventPrediction[], scores: "f16" | "f32"): void {
  const w = new Hdf5VlenWriter(`${path}.tmp`);
  w.declareVlen("labels", "u8");
  w.declareVlen("scores", scores);
  for (const p of preds) {
    w.append("labels", p.labels);
    w.append("scores", scores === "f16" ? toFloat16(p.scores) : p.scores);
  }
  w.fixedDataset("event_index", "i32", [preds.length], Int32Array.from(preds, (p) => p.eventIndex));
  w.fixedDataset("sites", "i32", [preds.length], Int32Array.from(preds, (p) => p.labels.length));
  w.fixedDataset("time_ms", "f64", [preds.length], Float64Array.from(preds, (p) => p.timeMs));
  w.close();
  renameSync(`${path}.tmp`, path);
}

/** Event indices of a predictions file (without reading the per-site data). */
export function predictionIndices(path: string): number[] {
  const f = openH5(path);
  try {
    return Array.from(dataset(f, "event_index", path).value as ArrayLike<number>, Number);
  } finally { f.close(); }
}

/** Reads a predictions file whole (scores as float32 bits of whatever was stored). */
export function readPredictions(path: string): EventPrediction[] {
  const f = openH5(path);
  try {
    const idx = Array.from(dataset(f, "event_index", path).value as ArrayLike<number>, Number);
    const time = Array.from(dataset(f, "time_ms", path).value as ArrayLike<number>, Number);
    const labels = dataset(f, "labels", path), scores = dataset(f, "scores", path);
    if ((scores.metadata as { vlen_type?: { size?: number } }).vlen_type?.size === 2) {
      throw new InvalidInputError(`${path}: float16 scores cannot be read back here (libhdf5-wasm has no float16); write shards with --scores f32 and give --scores f16 to merge`);
    }
    const n = datasetLength(labels, `${path}:labels`);
    if (n !== idx.length) throw new InvalidInputError(`${path}: ${n} label entries but ${idx.length} event indices`);
    return idx.map((e, i) => ({
      eventIndex: e, timeMs: time[i],
      labels: Uint8Array.from(vlenElement(labels, i, `${path}:labels`)),
      scores: Float32Array.from(vlenElement(scores, i, `${path}:scores`), Number),
    }));
  } finally { f.close(); }
}

/** Joins prediction files: every event in [0, expected) exactly once, or an error naming the
 *  duplicates and the gaps. */
export function mergePredictions(files: string[], out: string, expected: number, scores: "f16" | "f32", expectedIndices?: number[]): { events: number } {
  const all: EventPrediction[] = [];
  const seen = new Map<number, string>();
  const dup: string[] = [];
  for (const f of files) {
    for (const p of readPredictions(f)) {
      const prev = seen.get(p.eventIndex);
      if (prev !== undefined) dup.push(`event ${p.eventIndex} in ${prev} and ${f}`);
      seen.set(p.eventIndex, f);
      all.push(p);
    }
  }
  if (dup.length) throw new InvalidInputError(`duplicate events: ${dup.slice(0, 5).join("; ")}${dup.length > 5 ? ` (+${dup.length - 5} more)` : ""}`);
  const want = expectedIndices ?? Array.from({ length: expected }, (_, i) => i);
  const wanted = new Set(want);
  const gaps = want.filter((i) => !seen.has(i));
  const extra = [...seen.keys()].filter((i) => !wanted.has(i));
  if (gaps.length) throw new InvalidInputError(`${gaps.length} event(s) missing: ${gaps.slice(0, 10).join(", ")}${gaps.length > 10 ? ", ..." : ""}`);
  if (extra.length) throw new InvalidInputError(`unexpected event indices: ${extra.slice(0, 10).join(", ")}`);
  all.sort((a, b) => a.eventIndex - b.eventIndex);
  writePredictions(out, all, scores);
  return { events: all.length };
}
