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

test("the shared conformance folder has inference and training cases", () => {
  assert.ok(inference.length >= 2, `found ${inference.length} inference cases`);
  assert.ok(cases.length > inference.length, "no training case");
});

// Every case: inference cases compare outputs, training cases loss, gradients, running statistics
// and the parameters after one Adam step.
for (const dir of [...cases, join(PROJECT_ROOT, "samples", "scn-2d-m16-small")]) {
  test(`conformance ${dir.split("/").slice(-2).join("/")}`, async () => {
    const r = await runConformanceCase(engine, dir);
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
  const r = await runConformanceCase(engine, dir);
  assert.equal(r.ok, false);
  assert.ok(Math.abs(r.checks[0].maxAbsDiff - 0.01) < 1e-4);
});

test("verify handles repeated coordinates: unique_coords, per-site logits in first-occurrence order, logits_per_input_row", async () => {
  // Built from SparseConvNet's own case: rows reversed (so first-occurrence order is not the
  // sorted order) and some rows split into two rows carrying half the charge each. Halving is exact
  // in float32, so the summed sites equal the originals and SparseConvNet's expected values hold.
  const { mkdtempSync, cpSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { parseSafetensors, serializeSafetensors, asFloat32, asInt32 } = await import("../src/weights/safetensors.js");
  const src = join(PROJECT_ROOT, "samples", "scn-2d-m16-small");
  const dir = mkdtempSync(join(tmpdir(), "ssn-dup-"));
  cpSync(src, dir, { recursive: true });
  const ev = parseSafetensors(new Uint8Array(readFileSync(join(src, "event.safetensors"))));
  const coords = asInt32(ev.tensors.get("coords")!, "coords"), feats = asFloat32(ev.tensors.get("features")!, "features");
  const exp = parseSafetensors(new Uint8Array(readFileSync(join(src, "expected.safetensors"))));
  const logits = asFloat32(exp.tensors.get("logits")!, "logits");
  const n = feats.length;
  const order = [...Array(n).keys()].reverse();
  const rows: { site: number; f: number }[] = order.map((s) => ({ site: s, f: feats[s] }));
  for (let i = 0; i < n; i += 7) { rows[i].f = feats[rows[i].site] / 2; rows.push({ site: rows[i].site, f: feats[rows[i].site] / 2 }); }
  const N = rows.length;
  const c2 = new Int32Array(N * 2), f2 = new Float32Array(N), perRow = new Float32Array(N * 5);
  rows.forEach((r, i) => {
    c2.set(coords.subarray(2 * r.site, 2 * r.site + 2), 2 * i);
    f2[i] = r.f;
    perRow.set(logits.subarray(5 * r.site, 5 * r.site + 5), 5 * i);
  });
  const uc = new Int32Array(n * 2), perSite = new Float32Array(n * 5);
  order.forEach((s, i) => { uc.set(coords.subarray(2 * s, 2 * s + 2), 2 * i); perSite.set(logits.subarray(5 * s, 5 * s + 5), 5 * i); });
  writeFileSync(join(dir, "event.safetensors"), serializeSafetensors({
    coords: { dtype: "I32", shape: [N, 2], data: c2 }, features: { dtype: "F32", shape: [N, 1], data: f2 },
  }));
  writeFileSync(join(dir, "expected.safetensors"), serializeSafetensors({
    logits: { dtype: "F32", shape: [n, 5], data: perSite },
    logits_per_input_row: { dtype: "F32", shape: [N, 5], data: perRow },
    unique_coords: { dtype: "I32", shape: [n, 2], data: uc },
  }));
  const r = await runConformanceCase(engine, dir);
  assert.equal(r.nRows, N);
  assert.equal(r.nSites, n);
  assert.deepEqual(r.checks.map((c) => c.name).sort(), ["logits", "logits_per_input_row", "unique_coords"]);
  for (const c of r.checks) assert.ok(c.ok, `${c.name}: ${c.maxAbsDiff}`);
});
