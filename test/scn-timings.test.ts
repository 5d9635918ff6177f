// Whether SparseConvNet's recorded times were taken on a CPU like this one: the bench prints a
// note next to a ratio across two CPUs, so it must tell them apart from what the record says.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { otherCpuNote, recordedOnThisCpu, scnTiming, type ScnTiming } from "../src/node/scn-timings.js";
import { sharedDir } from "./support/paths.js";

const record = (cpu?: string): ScnTiming => ({ event: "e", m: 16, median_s: 0.1, peak_rss_mib: 1, mode: "inference", n_active: 1, ...(cpu ? { cpu } : {}) });
const zen5 = 'AMD EPYC (lscpu model name "AMD EPYC", family 26 model 2 stepping 1 = Zen 5), 2 vCPUs';

test("a record's CPU is compared by lscpu's model name and the family", () => {
  assert.equal(recordedOnThisCpu(record(zen5), { model: "AMD EPYC", family: 26 }), true);
  assert.equal(recordedOnThisCpu(record(zen5), { model: "AMD EPYC" }), true, "no family known here: the model name decides");
  assert.equal(recordedOnThisCpu(record(zen5), { model: "AMD EPYC", family: 25 }), false, "a Zen 4 has the same model name");
  assert.equal(recordedOnThisCpu(record(zen5), { model: "Intel(R) Xeon(R) Processor", family: 6 }), false);
  assert.equal(recordedOnThisCpu(record(), { model: "AMD EPYC", family: 26 }), undefined);
  assert.equal(recordedOnThisCpu(record("a machine"), { model: "AMD EPYC", family: 26 }), undefined);
  assert.match(otherCpuNote(record(zen5), { model: "Intel(R) Xeon(R) Processor", family: 6 }),
    /recorded on another CPU \(AMD EPYC, family 26\) than this one \(Intel\(R\) Xeon\(R\) Processor, family 6\)/);
});

test("the shared records say which CPU they were taken on", () => {
  const r = scnTiming(join(sharedDir(), "bench-events", "3d-192-5k"), 32);
  assert.ok(r, "3d-192-5k at 32 filters is recorded");
  assert.notEqual(recordedOnThisCpu(r, { model: "some other CPU" }), undefined);
});
