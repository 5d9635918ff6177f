// SparseConvNet's recorded single-thread CPU times (shared/bench-events/scn-timings.jsonl), and
// whether they were recorded on a CPU like this one.
import { existsSync, readFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";

export interface ScnTiming {
  event: string; m: number; median_s: number; peak_rss_mib: number; mode: string; n_active: number;
  /** The machine it was recorded on, as the recording wrote it (lscpu's model name in quotes, the family). */
  cpu?: string;
}

/** The record for an event and filter count, looked up in scn-timings.jsonl beside the event
 *  folder (or inside it), if any. */
export function scnTiming(eventDir: string, filters: number, mode = "inference"): ScnTiming | undefined {
  const name = eventDir.replace(/\/+$/, "").split("/").pop()!;
  for (const f of [join(eventDir, "..", "scn-timings.jsonl"), join(eventDir, "scn-timings.jsonl")]) {
    if (!existsSync(f)) continue;
    for (const line of readFileSync(f, "utf8").split("\n")) {
      if (!line.trim()) continue;
      const r = JSON.parse(line) as ScnTiming;
      if (r.event === name && r.m === filters && r.mode === mode) return r;
    }
  }
  return undefined;
}

/** This machine's CPU: its model name and, where /proc/cpuinfo tells it, its family. */
export function thisCpu(): { model: string; family?: number } {
  const model = cpus()[0]?.model.trim() || "unknown CPU";
  try {
    const family = /^cpu family\s*:\s*(\d+)/m.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1];
    return family === undefined ? { model } : { model, family: Number(family) };
  } catch {
    return { model };
  }
}

/**
 * Whether a recorded time was taken on a CPU like this one: false when the record's model name or family is not this
 * machine's, undefined when the record does not say. A ratio to a time recorded on another CPU compares two machines
 * as much as two programs (an AVX-512 OpenBLAS and 128-bit wasm SIMD do not speed up alike from one CPU to another),
 * so the bench says so next to it.
 */
export function recordedOnThisCpu(record: ScnTiming, here = thisCpu()): boolean | undefined {
  const { model, family } = recordedCpu(record);
  if (model === undefined && family === undefined) return undefined;
  if (model !== undefined && model !== here.model) return false;
  if (family !== undefined && here.family !== undefined && family !== here.family) return false;
  return true;
}

/** The record's CPU as the recording wrote it: lscpu's model name in quotes, "family N". */
function recordedCpu(record: ScnTiming): { model?: string; family?: number } {
  const model = /model name "([^"]+)"/.exec(record.cpu ?? "")?.[1];
  const family = /family (\d+)/.exec(record.cpu ?? "")?.[1];
  return { ...(model === undefined ? {} : { model }), ...(family === undefined ? {} : { family: Number(family) }) };
}

const cpuName = (cpu: { model?: string; family?: number }) =>
  [cpu.model, cpu.family === undefined ? undefined : `family ${cpu.family}`].filter((x) => x !== undefined).join(", ");

/** The sentence the bench prints under a ratio to a time recorded on another CPU. */
export function otherCpuNote(record: ScnTiming, here = thisCpu()): string {
  return `SparseConvNet's time was recorded on another CPU (${cpuName(recordedCpu(record))}) than this one (${cpuName(here)}): ` +
    "the ratio compares two machines as well as two programs; time SparseConvNet here for a side-by-side one (bench/scn/README.md)";
}

/** This machine's CPU model name, and whether a recorded SparseConvNet time was taken on one like it (null: no
 *  record, or the record does not say), with the note to print when it was not. */
export interface CpuFields { cpu: string; scn_recorded_on_this_cpu: boolean | null; scn_cpu_note: string | null }

export function cpuFields(scn: ScnTiming | undefined): CpuFields {
  const here = thisCpu();
  const same = scn ? recordedOnThisCpu(scn, here) : undefined;
  return { cpu: here.model, scn_recorded_on_this_cpu: same ?? null, scn_cpu_note: same === false ? otherCpuNote(scn!, here) : null };
}
