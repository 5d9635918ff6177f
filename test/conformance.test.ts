// Every inference case in ../shared/conformance (SparseConvNet's own outputs) and the bundled
// sample must pass `verify`: each expected tensor within 1e-4 x max(1, max |expected|).
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { runConformanceCase } from "../src/node/conformance.js";
import { PROJECT_ROOT, sharedDir } from "./support/paths.js";

const engine = await Engine.create();
const casesDir = join(sharedDir(), "conformance");
assert.ok(existsSync(casesDir), `no conformance cases at ${casesDir} (set SPARSESSNET_SHARED)`);
const cases = readdirSync(casesDir).map((d) => join(casesDir, d)).filter((d) => existsSync(join(d, "manifest.json")));
const inference = cases.filter((d) => JSON.parse(readFileSync(join(d, "manifest.json"), "utf8")).mode !== "train");

test("the shared conformance folder has inference cases", () => {
  assert.ok(inference.length >= 2, `found ${inference.length}`);
});

for (const dir of [...inference, join(PROJECT_ROOT, "samples", "scn-2d-m16-small")]) {
  test(`conformance ${dir.split("/").slice(-2).join("/")}`, () => {
    const r = runConformanceCase(engine, dir);
    assert.ok(r.checks.length >= 1);
    for (const c of r.checks) assert.ok(c.ok, `${c.name}: max |diff| ${c.maxAbsDiff} > ${c.tolerance}${c.note ? ` (${c.note})` : ""}`);
    assert.ok(r.checks.some((c) => c.name === "logits"), "logits checked");
  });
}

test("verify fails a case whose expected values are wrong (the check can fail)", async () => {
  const { mkdtempSync, cpSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { parseSafetensors, serializeSafetensors, asFloat32 } = await import("../src/weights/safetensors.js");
  const dir = mkdtempSync(join(tmpdir(), "ssn-case-"));
  cpSync(join(PROJECT_ROOT, "samples", "scn-2d-m16-small"), dir, { recursive: true });
  const exp = parseSafetensors(new Uint8Array(readFileSync(join(dir, "expected.safetensors"))));
  const logits = asFloat32(exp.tensors.get("logits")!, "logits").slice();
  logits[17] += 0.01;
  writeFileSync(join(dir, "expected.safetensors"), serializeSafetensors({ logits: { dtype: "F32", shape: exp.tensors.get("logits")!.shape, data: logits } }));
  const r = runConformanceCase(engine, dir);
  assert.equal(r.ok, false);
  assert.ok(Math.abs(r.checks[0].maxAbsDiff - 0.01) < 1e-4);
});
