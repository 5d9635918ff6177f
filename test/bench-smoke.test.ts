// A smoke run of the benchmark verb (one run of a small event): the report has every field, with
// sane values. Speed is never asserted here; `npm run bench` measures it.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { bench, benchEvent } from "../src/cli/bench.js";
import { loadModel } from "../src/node/model-io.js";
import { PROJECT_ROOT } from "./support/paths.js";

test("bench verb reports time, memory, multiply-adds and the SparseConvNet comparison", async () => {
  const r = await benchEvent({ event: join(PROJECT_ROOT, "samples", "2d-1008x3456-17k"), filters: 8, depth: 5, runs: 1, warmup: 1 });
  assert.equal(r.event, "2d-1008x3456-17k");
  assert.equal(r.nActive, 17000);
  assert.equal(r.runs_s.length, 1);
  assert.equal(r.weights, "random");
  assert.ok(r.median_s > 0 && r.startup_ms > 0 && r.peak_rss_mib > 0 && r.wasm_memory_mib > 0);
  assert.ok(r.multiply_adds > 1e8 && r.effective_gflops > 0 && r.conv_gflops > 0);
  assert.equal(r.scn_median_s, null, "no SparseConvNet record for 8 filters");
  const r16 = await benchEvent({ event: join(PROJECT_ROOT, "samples", "2d-1008x3456-17k"), filters: 16, depth: 5, runs: 1, warmup: 1 });
  assert.equal(r16.scn_median_s, 0.1648);
  assert.ok(Math.abs(r16.ratio_to_scn! - r16.median_s / 0.1648) < 1e-12);
  // The record names its CPU, so the bench says whether this machine's is like it, and a note when not.
  assert.ok(r16.cpu.length > 0);
  assert.equal(typeof r16.scn_recorded_on_this_cpu, "boolean");
  assert.equal(r16.scn_cpu_note === null, r16.scn_recorded_on_this_cpu === true);
  assert.equal(r.scn_recorded_on_this_cpu, null, "no record, nothing to compare");
  // Random weights: about half of every ReLU output is zero, and the channel-sparse kernel skips
  // those terms in the wide 2D convolutions, so fewer multiply-adds are done than the rulebooks hold.
  assert.ok(r16.conv_executed_fraction > 0.2 && r16.conv_executed_fraction < 1, `executed fraction ${r16.conv_executed_fraction}`);
  assert.ok(Math.abs(r16.conv_executed_gflops - r16.conv_gflops * r16.conv_executed_fraction) < 1e-9 * r16.conv_gflops);
  assert.ok(r16.conv_executed_gflops_needed_for_half! > 0);
});

test("bench --model times a shipped model on its own config, and refuses a model of the other dimension", async () => {
  const event = join(PROJECT_ROOT, "samples", "2d-1008x3456-17k");
  const r = await benchEvent({ event, filters: 32, depth: 3, runs: 1, warmup: 1, model: "default-2d" });
  // The model's config wins over the filters and depth passed (the CLI refuses both together).
  assert.equal(r.weights, "default-2d");
  const own = loadModel("default-2d").config;
  assert.equal(r.filters, own.filters);
  assert.equal(r.depth, own.depth);
  // SparseConvNet's records are of SparseSSNet's depth 5; a model of another depth has none to compare.
  assert.equal(r.scn_median_s, own.depth === 5 ? 0.1648 : null);
  assert.equal(r.ratio_to_scn, own.depth === 5 ? r.median_s / 0.1648 : null);
  assert.ok(r.conv_executed_fraction > 0.2 && r.conv_executed_fraction < 1, `executed fraction ${r.conv_executed_fraction}`);
  await assert.rejects(benchEvent({ event, filters: 16, depth: 5, runs: 1, warmup: 1, model: "default-3d" }),
    /--model default-3d takes 3D events with 1 input channel\(s\); .* holds 2D sites with 1/);
  await assert.rejects(bench(["--event", event, "--model", "default-2d", "--filters", "16"]), /--model brings its own filters and depth/);
});

test("bench --threads N runs the event on N threads (npm run bench's 2-thread mode), and refuses what the engine cannot", async () => {
  const event = join(PROJECT_ROOT, "samples", "2d-1008x3456-17k");
  // Through the verb's flags, as the suite calls it (a regression once refused every N here).
  const lines: string[] = [];
  const log = console.log;
  console.log = (s: string) => { lines.push(s); };
  try {
    assert.equal(await bench(["--event", event, "--filters", "8", "--runs", "1", "--warmup", "1", "--threads", "2", "--json"]), 0);
  } finally {
    console.log = log;
  }
  const r = JSON.parse(lines.join("\n"));
  assert.equal(r.threads, 2);
  assert.equal(r.mode, "deterministic");
  assert.equal(r.nActive, 17000);
  await assert.rejects(bench(["--event", event, "--threads", "10"]), /--threads 10: expected an integer from 1 to 9/);
  await assert.rejects(bench(["--event", event, "--threads", "2", "--fast"]), /--fast and --threads cannot be combined/);
});
