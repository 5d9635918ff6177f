// SparseConvNet's recorded single-thread CPU times (shared/bench-events/scn-timings.jsonl).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export interface ScnTiming { event: string; m: number; median_s: number; peak_rss_mib: number; mode: string; n_active: number }

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
