// The opt-in fast mode (relaxed-SIMD fused multiply-add): chosen when the JavaScript engine runs
// relaxed SIMD, otherwise a clean fall-back to the deterministic kernels; its results are not
// bit-identical but must stay within the conformance tolerance of SparseConvNet's outputs.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { relaxedSimdSupported } from "../src/backend/wasm/module.js";
import { Engine } from "../src/engine.js";
import { runConformanceCase } from "../src/node/conformance.js";
import { PROJECT_ROOT, sharedDir } from "./support/paths.js";

test("fast mode is used where relaxed SIMD runs, falls back with a note elsewhere", async () => {
  const engine = await Engine.create({ mode: "fast" });
  if (relaxedSimdSupported()) {
    assert.equal(engine.mode, "fast");
    assert.equal(engine.note, undefined);
  } else {
    assert.equal(engine.mode, "deterministic");
    assert.match(engine.note!, /fast mode unavailable/);
  }
});

test("fast mode passes the SparseConvNet conformance cases", async () => {
  const engine = await Engine.create({ mode: "fast" });
  for (const dir of [join(PROJECT_ROOT, "samples", "scn-2d-m16-small"), join(sharedDir(), "conformance", "scn-3d-m16-small")]) {
    const r = await runConformanceCase(engine, dir);
    for (const c of r.checks) assert.ok(c.ok, `${engine.mode} ${r.case} ${c.name}: ${c.maxAbsDiff} > ${c.tolerance}`);
  }
});

test("the test run exercises the fast kernels (npm test passes --experimental-wasm-relaxed-simd)", () => {
  assert.ok(relaxedSimdSupported(), "relaxed SIMD unavailable: the fast kernels were not tested");
});
