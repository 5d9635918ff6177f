// Segmenting files of many events: streamed from the input, spread over a worker pool, written in
// complete parts (each renamed into place only when whole) so that an interrupted run loses at
// most the events in flight, and `resume` skips what is done. A bad event is recorded with its
// error and the run goes on. At the end the parts are merged (by event index) into the output.

import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { InvalidInputError } from "../errors.js";
import { mergePredictions, predictionIndices, writePredictions, type EventPrediction } from "../io/predictions.js";
import { openEventFile } from "./open-events.js";
import { progress } from "./progress.js";
import type { Augmentation } from "../mirror-average.js";
import { SegmentationPool } from "./worker-pool.js";

export interface BatchOptions {
  input: string;
  out: string;
  modelBytes: Uint8Array;
  workers: number;
  shard: { index: number; count: number };
  resume: boolean;
  scores: "f16" | "f32";
  /** Events per part file. */
  chunk: number;
  report?: string;
  fast?: boolean;
  augment?: Augmentation;
}

export interface BatchSummary {
  input: string; out: string; shard: string; workers: number;
  events: number; done: number; skipped: number; failed: { event: number; error: string }[];
  /** Wall time of the whole run, and events/s over it (start-up and the final merge included). */
  seconds: number; eventsPerSecond: number;
  /** Events/s while segmenting (first event sent to the last result back): the rate a long file sees. */
  segmentingEventsPerSecond: number;
  sites: number; interrupted: boolean;
  perEvent: { event: number; sites: number; ms: number; rssMiB: number }[];
}

/** An event's failure reported by a worker, already formatted "Name: message". */
class EventError extends Error {}

/** Events of shard k of n: every n-th event starting at k (deterministic, balanced). */
export function shardEvents(count: number, shard: { index: number; count: number }): number[] {
  const out: number[] = [];
  for (let i = shard.index; i < count; i += shard.count) out.push(i);
  return out;
}

/** --shard i/n, or Slurm's array variables, or the whole file. */
export function resolveShard(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): { index: number; count: number } {
  let index = 0, count = 1;
  if (flag !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(flag);
    if (!m) throw new InvalidInputError(`--shard ${flag}: expected i/n, e.g. 0/4`);
    index = Number(m[1]); count = Number(m[2]);
  } else if (env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_COUNT !== undefined) {
    index = Number(env.SLURM_ARRAY_TASK_ID) - Number(env.SLURM_ARRAY_TASK_MIN ?? 0);
    count = Number(env.SLURM_ARRAY_TASK_COUNT);
  }
  if (!Number.isInteger(index) || !Number.isInteger(count) || count < 1 || index < 0 || index >= count) {
    throw new InvalidInputError(`shard ${index}/${count}: need 0 <= i < n`);
  }
  return { index, count };
}

export async function segmentFile(o: BatchOptions, signal: { stop: boolean }): Promise<BatchSummary> {
  const t0 = performance.now();
  const reader = openEventFile(o.input);
  const partsDir = `${o.out}.parts`;
  if (!o.resume && existsSync(partsDir)) rmSync(partsDir, { recursive: true, force: true });
  mkdirSync(partsDir, { recursive: true });
  const parts = () => readdirSync(partsDir).filter((f) => /^part-\d+\.h5$/.test(f)).map((f) => join(partsDir, f));
  const done = new Set<number>();
  for (const p of parts()) for (const i of predictionIndices(p)) done.add(i);
  const mine = shardEvents(reader.count, o.shard);
  const todo = mine.filter((i) => !done.has(i));
  let nextPart = parts().length;
  const pool = await SegmentationPool.create({ modelBytes: o.modelBytes, workers: o.workers, mode: o.fast ? "fast" : "deterministic", augment: o.augment });
  const summary: BatchSummary = {
    input: o.input, out: o.out, shard: `${o.shard.index}/${o.shard.count}`, workers: pool.workers,
    events: mine.length, done: 0, skipped: mine.length - todo.length, failed: [], seconds: 0, eventsPerSecond: 0, segmentingEventsPerSecond: 0, sites: 0, interrupted: false, perEvent: [],
  };
  let buffer: EventPrediction[] = [];
  const flush = () => {
    if (!buffer.length) return;
    // Parts keep float32 scores (libhdf5-wasm cannot read float16 back); the output takes o.scores.
    writePredictions(join(partsDir, `part-${String(nextPart++).padStart(6, "0")}.h5`), buffer, "f32");
    buffer = [];
  };
  const bar = progress(todo.length, "segment", "{rate} events/s, {failed} failed", 50);
  let next = 0, finished = 0;
  const runOne = async (): Promise<void> => {
    while (next < todo.length && !signal.stop) {
      const i = todo[next++];
      try {
        // The worker reads the event itself: the main thread only hands out indices and writes parts.
        const t = performance.now();
        const res = await pool.runFromFile(o.input, i);
        if (res.error !== undefined) throw new EventError(res.error);
        buffer.push({ eventIndex: i, labels: res.labels, scores: res.scores, timeMs: res.ms });
        summary.perEvent.push({ event: i, sites: res.nRows, ms: performance.now() - t, rssMiB: process.memoryUsage().rss / 2 ** 20 });
        summary.sites += res.nRows;
        summary.done++;
        if (buffer.length >= o.chunk) flush();
      } catch (e) {
        summary.failed.push({ event: i, error: e instanceof EventError ? e.message : `${(e as Error).name}: ${(e as Error).message}` });
      }
      finished++;
      bar.update(finished, { rate: (finished / ((performance.now() - t0) / 1000)).toFixed(1), failed: String(summary.failed.length) });
    }
  };
  const tSeg = performance.now();
  try {
    // Two events in flight per worker keep every worker busy while the main thread reads the next.
    await Promise.all(Array.from({ length: 2 * pool.workers }, runOne));
    summary.segmentingEventsPerSecond = summary.done / ((performance.now() - tSeg) / 1000);
  } finally {
    flush();
    bar.stop();
    await pool.close();
    reader.close();
  }
  summary.interrupted = signal.stop && next < todo.length;
  summary.seconds = (performance.now() - t0) / 1000;
  summary.eventsPerSecond = summary.done / summary.seconds;
  if (!summary.interrupted) {
    // Every event of the shard that did not fail is in a part: join them into the output (the
    // failed ones are listed in the summary) and drop the parts.
    const failed = new Set(summary.failed.map((f) => f.event));
    mergePredictions(parts(), o.out, 0, o.scores, mine.filter((i) => !failed.has(i)));
    rmSync(partsDir, { recursive: true, force: true });
  }
  if (o.report) writeReport(o.report, summary);
  return summary;
}

function writeReport(path: string, s: BatchSummary): void {
  if (path.endsWith(".csv")) {
    writeFileSync(path, ["event,sites,ms,rss_mib", ...s.perEvent.map((e) => `${e.event},${e.sites},${e.ms.toFixed(3)},${e.rssMiB.toFixed(1)}`),
      ...s.failed.map((f) => `${f.event},,,,"${f.error.replace(/"/g, "'")}"`)].join("\n") + "\n");
  } else {
    writeFileSync(path, JSON.stringify(s, null, 1));
  }
}
