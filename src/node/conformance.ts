// Conformance cases: folders with manifest.json, weights.safetensors, event.safetensors and
// expected.safetensors produced by SparseConvNet itself. Running a case compares every expected
// tensor with the engine's output and reports the max abs difference against the tolerance
// 1e-4 x max(1, max |expected|).

import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Engine } from "../engine.js";
import { SparseSSNetError } from "../errors.js";
import { configFromManifest } from "../model/config.js";
import { buildUResNet } from "../model/uresnet.js";
import { asFloat32, asInt32, parseSafetensors } from "../weights/safetensors.js";
import { importScnStateDict } from "../weights/scn.js";
import { readEventFile } from "./event-file.js";
import { runTrainCase } from "./train-case.js";

export interface TensorCheck { name: string; maxAbsDiff: number; tolerance: number; maxAbsExpected: number; ok: boolean; note?: string }
export interface CaseReport {
  case: string; dir: string; nRows: number; nSites: number; checks: TensorCheck[]; ok: boolean; ms: number;
  backend: "wasm" | "webgpu";
  /** On WebGPU: whether logits, scores, labels and taps equal the wasm backend's bit for bit. */
  bitIdenticalToWasm?: boolean;
}

const TAPS = ["after_input_conv", "after_unet", "after_final_bnrelu"];

export class UnsupportedCaseError extends SparseSSNetError {
  constructor(message: string) { super("UNSUPPORTED_CASE", message); }
}

export async function runConformanceCase(engine: Engine, dir: string): Promise<CaseReport> {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as Record<string, unknown>;
  const name = String(manifest.case ?? dir);
  if (manifest.mode === "train") return runTrainCase(dir, manifest);
  if (manifest.mode !== undefined && manifest.mode !== "inference") {
    throw new UnsupportedCaseError(`case ${name}: mode ${JSON.stringify(manifest.mode)} is not supported`);
  }
  const config = configFromManifest(Number(manifest.dim), manifest.model as Record<string, unknown>);
  const wfile = parseSafetensors(new Uint8Array(readFileSync(join(dir, "weights.safetensors"))), `${name}/weights.safetensors`);
  const model = engine.loadModel(config, importScnStateDict(buildUResNet(config), wfile.tensors));
  const event = readEventFile(join(dir, "event.safetensors"), manifest.spatialSize as number[]);
  const expected = parseSafetensors(new Uint8Array(readFileSync(join(dir, "expected.safetensors"))), `${name}/expected.safetensors`);
  const taps = TAPS.filter((t) => expected.tensors.has(t));
  const t0 = performance.now();
  const res = await engine.segment(model, event.tensor, { taps });
  const ms = performance.now() - t0;
  let bitIdenticalToWasm: boolean | undefined;
  if (engine.backend !== "wasm") {
    const w = engine.run(model, event.tensor, { taps });
    bitIdenticalToWasm = sameBits(w.logits, res.logits) && sameBits(w.scores, res.scores) &&
      w.labels.every((l, i) => l === res.labels[i]) && taps.every((t) => sameBits(w.taps[t].data, res.taps[t].data));
  }

  const perSite = (rows: Float32Array, cols: number) => {
    const out = new Float32Array(res.siteRows.length * cols);
    res.siteRows.forEach((r, i) => out.set(rows.subarray(r * cols, (r + 1) * cols), i * cols));
    return out;
  };
  const produced = new Map<string, { data: Float32Array | Int32Array; shape: number[] }>();
  produced.set("logits", { data: perSite(res.logits, res.classes), shape: [res.nSites, res.classes] });
  produced.set("logits_per_input_row", { data: res.logits, shape: [res.nRows, res.classes] });
  produced.set("scores", { data: perSite(res.scores, res.classes), shape: [res.nSites, res.classes] });
  for (const t of taps) produced.set(t, { data: perSite(res.taps[t].data, res.taps[t].channels), shape: [res.nSites, res.taps[t].channels] });
  const dim = event.tensor.dim;
  const uc = new Int32Array(res.nSites * dim);
  res.siteRows.forEach((r, i) => uc.set(event.tensor.coords.subarray(r * dim, (r + 1) * dim), i * dim));
  produced.set("unique_coords", { data: uc, shape: [res.nSites, dim] });

  const checks: TensorCheck[] = [];
  for (const [tname, raw] of expected.tensors) {
    const mine = produced.get(tname);
    if (!mine) {
      checks.push({ name: tname, maxAbsDiff: Infinity, tolerance: 0, maxAbsExpected: NaN, ok: false, note: "the engine does not produce this tensor" });
      continue;
    }
    const exp = raw.dtype === "I32" || raw.dtype === "I64" ? asInt32(raw, tname) : asFloat32(raw, tname);
    if (raw.shape.join(",") !== mine.shape.join(",")) {
      checks.push({ name: tname, maxAbsDiff: Infinity, tolerance: 0, maxAbsExpected: NaN, ok: false, note: `shape [${mine.shape}] but expected [${raw.shape}]` });
      continue;
    }
    let maxDiff = 0, maxExp = 0;
    for (let i = 0; i < exp.length; i++) {
      const d = Math.abs(mine.data[i] - exp[i]);
      if (Number.isNaN(d)) { maxDiff = NaN; break; }
      if (d > maxDiff) maxDiff = d;
      maxExp = Math.max(maxExp, Math.abs(exp[i]));
    }
    const tolerance = 1e-4 * Math.max(1, maxExp);
    checks.push({ name: tname, maxAbsDiff: maxDiff, tolerance, maxAbsExpected: maxExp, ok: maxDiff <= tolerance });
  }
  return {
    case: name, dir, nRows: res.nRows, nSites: res.nSites, checks, ok: checks.length > 0 && checks.every((c) => c.ok), ms,
    backend: engine.backend, bitIdenticalToWasm,
  };
}

export function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length), y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}
