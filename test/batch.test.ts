// Batch segmentation of event files: a run killed in the middle and resumed gives the same
// output as an uninterrupted one, bit for bit; shards merge to the single-process result; a bad
// event is recorded and the rest is kept; merge refuses gaps and duplicates.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readPredictions } from "../src/io/predictions.js";
import { resolveShard, shardEvents } from "../src/node/batch-segment.js";
import { createEventWriter } from "../src/node/event-writer.js";
import { simulateEvent } from "../src/sim/index.js";
import { PROJECT_ROOT } from "./support/paths.js";

const bin = join(PROJECT_ROOT, "bin", "sparsessnet.js");
const dir = mkdtempSync(join(tmpdir(), "sparsessnet-batch-"));
const events = join(dir, "events.h5"), model = join(dir, "m.safetensors");
const cli = (...args: string[]) => execFileSync(process.execPath, [bin, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

const w = createEventWriter(events);
for (let i = 0; i < 48; i++) w.append(simulateEvent({ dim: 3, size: 64 }, 3, i));
w.close();
cli("init-weights", "--dim", "3", "--filters", "8", "--depth", "3", "--out", model);

function sameOutputs(a: string, b: string): void {
  const pa = readPredictions(a), pb = readPredictions(b);
  assert.equal(pa.length, pb.length);
  pa.forEach((p, i) => {
    assert.equal(p.eventIndex, pb[i].eventIndex);
    assert.deepEqual(p.labels, pb[i].labels, `event ${p.eventIndex} labels`);
    assert.deepEqual(p.scores, pb[i].scores, `event ${p.eventIndex} scores`);
  });
}

test("a run killed in the middle, then resumed, writes the same output as an uninterrupted run", async () => {
  const full = join(dir, "full.h5");
  cli("segment", "--model", model, "--input", events, "--out", full, "--workers", "1", "--chunk", "4");
  const out = join(dir, "killed.h5");
  const child = spawn(process.execPath, [bin, "segment", "--model", model, "--input", events, "--out", out, "--workers", "1", "--chunk", "4"], { stdio: "ignore" });
  // Kill it (no chance to clean up) once a few parts are on disk.
  for (let t = 0; t < 600; t++) {
    await new Promise((r) => setTimeout(r, 50));
    const parts = existsSync(`${out}.parts`) ? readdirSync(`${out}.parts`).filter((f) => f.endsWith(".h5")).length : 0;
    if (parts >= 2) break;
  }
  child.kill("SIGKILL");
  await new Promise((r) => child.on("exit", r));
  assert.ok(!existsSync(out), "no output under the final name after a kill");
  const kept = readdirSync(`${out}.parts`).filter((f) => f.endsWith(".h5")).length;
  assert.ok(kept >= 2 && kept < 12, `${kept} finished parts kept`);
  const log = cli("segment", "--model", model, "--input", events, "--out", out, "--workers", "1", "--chunk", "4", "--resume");
  assert.match(log, /already done/);
  assert.ok(!/ 0 already done/.test(log), log);
  sameOutputs(out, full);
  assert.ok(!existsSync(`${out}.parts`), "parts are removed once merged");
});

test("shards (by flag or Slurm array variables) merge into the single-process output; merge refuses gaps and duplicates", () => {
  assert.deepEqual(shardEvents(10, { index: 1, count: 3 }), [1, 4, 7]);
  assert.deepEqual(resolveShard(undefined, { SLURM_ARRAY_TASK_ID: "5", SLURM_ARRAY_TASK_MIN: "4", SLURM_ARRAY_TASK_COUNT: "3" }), { index: 1, count: 3 });
  assert.throws(() => resolveShard("3/3"), /0 <= i < n/);
  const full = join(dir, "full2.h5");
  cli("segment", "--model", model, "--input", events, "--out", full, "--workers", "2");
  const shards = [0, 1, 2].map((k) => {
    const o = join(dir, `shard${k}.h5`);
    cli("segment", "--model", model, "--input", events, "--out", o, "--workers", "1", "--shard", `${k}/3`);
    return o;
  });
  const merged = join(dir, "merged.h5");
  cli("merge", "--out", merged, "--input", events, ...shards);
  sameOutputs(merged, full);
  assert.throws(() => cli("merge", "--out", join(dir, "x.h5"), "--input", events, shards[0], shards[1]), /missing/);
  assert.throws(() => cli("merge", "--out", join(dir, "x.h5"), "--input", events, ...shards, shards[2]), /duplicate/);
});

test("a bad event is recorded with its error; the run goes on, keeps the others and exits 1", () => {
  const bad = join(dir, "bad.npz");
  const good = [0, 1, 2].map((i) => simulateEvent({ dim: 3, size: 64 }, 3, i));
  // Event 1 gets a coordinate outside the volume.
  good[1] = { ...good[1], tensor: { ...good[1].tensor, coords: Int32Array.from(good[1].tensor.coords, (v, k) => (k === 0 ? 99 : v)) } };
  const wr = createEventWriter(bad);
  good.forEach((e) => wr.append(e));
  wr.close();
  const out = join(dir, "bad-out.h5"), report = join(dir, "report.json");
  let status = 0, stderr = "";
  try { cli("segment", "--model", model, "--input", bad, "--out", out, "--workers", "1", "--report", report); } catch (e) {
    status = (e as { status: number }).status; stderr = String((e as { stderr: string }).stderr);
  }
  assert.equal(status, 1);
  assert.match(stderr, /event 1: InvalidInputError: .*99/);
  assert.deepEqual(readPredictions(out).map((p) => p.eventIndex), [0, 2]);
  writeFileSync(join(dir, "done"), "");
});
