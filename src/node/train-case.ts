// Training conformance cases (manifest "mode": "train"): one training forward and backward pass and
// one Adam step, compared with SparseConvNet's loss, gradients, running statistics and parameters,
// with the tolerances the case suggests.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { instantiateKernels } from "../backend/wasm/module.js";
import { configFromManifest } from "../model/config.js";
import { buildUResNet } from "../model/uresnet.js";
import { Adam, updateRunningStats } from "../train/adam.js";
import { ForwardBackward } from "../train/forward-backward.js";
import { asFloat32, asInt32, parseSafetensors } from "../weights/safetensors.js";
import { importScnStateDict } from "../weights/scn.js";
import type { CaseReport, TensorCheck } from "./conformance.js";

interface Tol { logitsAbs: number; lossAbs: number; gradRelPerTensor: number; runningStatsRel: number; adamAbs: number }

export async function runTrainCase(dir: string, manifest: Record<string, unknown>): Promise<CaseReport> {
  const name = String(manifest.case ?? dir);
  const t0 = performance.now();
  const config = configFromManifest(Number(manifest.dim), manifest.model as Record<string, unknown>);
  const fb = new ForwardBackward(await instantiateKernels(), config);
  const params = importScnStateDict(buildUResNet(config), parseSafetensors(new Uint8Array(readFileSync(join(dir, "weights.safetensors"))), `${name}/weights.safetensors`).tensors);
  const ev = parseSafetensors(new Uint8Array(readFileSync(join(dir, "event.safetensors"))), `${name}/event.safetensors`).tensors;
  const need = (t: string) => { const x = ev.get(t); if (!x) throw new Error(`${name}/event.safetensors: no "${t}" tensor`); return x; };
  const coords = need("coords");
  const dim = coords.shape[1] as 2 | 3;
  const features = need("features");
  const tensor = {
    dim, spatialSize: manifest.spatialSize as number[], channels: features.shape.length > 1 ? features.shape[1] : 1,
    coords: asInt32(coords, "coords"), features: asFloat32(features, "features"),
    batch: ev.has("batch") ? asInt32(ev.get("batch")!, "batch") : undefined,
  };
  const r = fb.run(params, tensor, asInt32(need("labels"), "labels"), asFloat32(need("weights"), "weights"));
  const s = (manifest.suggestedTolerance ?? {}) as Partial<Tol>;
  const tol: Tol = { logitsAbs: 1e-4, lossAbs: 1e-5, gradRelPerTensor: 1e-4, runningStatsRel: 1e-5, adamAbs: 1e-6, ...s };
  const model = manifest.model as { bnMomentum?: number };
  updateRunningStats(params, r.batchStats, model.bnMomentum ?? 0.99);
  const opt = (manifest.optimizer ?? {}) as { lr?: number; betas?: [number, number]; eps?: number; weightDecay?: number };
  const adam = new Adam({ lr: opt.lr, betas: opt.betas, eps: opt.eps, weightDecay: opt.weightDecay });
  const gradsBefore = new Map(r.grads);
  adam.apply(new Map([...params].filter(([n]) => r.grads.has(n))), r.grads);

  const expected = parseSafetensors(new Uint8Array(readFileSync(join(dir, "expected.safetensors"))), `${name}/expected.safetensors`).tensors;
  const checks: TensorCheck[] = [];
  const compare = (tname: string, mine: ArrayLike<number> | undefined, exp: ArrayLike<number>, kind: "abs" | "rel", limit: number, mask?: (i: number) => boolean) => {
    if (!mine || mine.length !== exp.length) {
      checks.push({ name: tname, maxAbsDiff: Infinity, tolerance: limit, maxAbsExpected: NaN, ok: false, note: mine ? `length ${mine.length} vs ${exp.length}` : "the engine does not produce this tensor" });
      return;
    }
    let d = 0, m = 0;
    for (let i = 0; i < exp.length; i++) {
      m = Math.max(m, Math.abs(exp[i]));
      if (mask && !mask(i)) continue;
      const x = Math.abs(mine[i] - exp[i]);
      d = Number.isNaN(x) ? NaN : Math.max(d, x);
    }
    const tolerance = kind === "rel" ? limit * Math.max(m, 1e-30) : limit;
    checks.push({ name: tname, maxAbsDiff: d, tolerance, maxAbsExpected: m, ok: d <= tolerance, note: kind === "rel" ? `relative ${(d / Math.max(m, 1e-30)).toExponential(2)}` : undefined });
  };
  for (const [tname, raw] of expected) {
    const exp = raw.dtype === "F64" ? (typedF64(raw)) : asFloat32(raw, tname);
    if (tname === "loss" || tname === "loss_f32") compare(tname, [r.loss], exp, "abs", tol.lossAbs);
    else if (tname === "logits") compare(tname, r.logits, exp, "abs", tol.logitsAbs * Math.max(1, maxAbs(exp)));
    else if (tname === "grad.features") compare(tname, r.gradFeatures, exp, "rel", tol.gradRelPerTensor);
    else if (tname === "grad.logits") compare(tname, r.gradLogits, exp, "rel", tol.gradRelPerTensor);
    else if (tname.startsWith("grad.")) compare(tname, gradsBefore.get(tname.slice(5)), exp, "rel", tol.gradRelPerTensor);
    else if (tname.startsWith("running.")) compare(tname, params.get(tname.slice(8))?.data, exp, "rel", tol.runningStatsRel);
    else if (tname.startsWith("adam.")) {
      // Where |g| is tiny the step lr*g/(|g|+eps) amplifies float32 noise: allow up to lr there (see the case's notes).
      const g = gradsBefore.get(tname.slice(5));
      compare(tname, params.get(tname.slice(5))?.data, exp, "abs", tol.adamAbs, g ? (i) => Math.abs(g[i]) >= 1e-6 : undefined);
      compare(`${tname} (|g| < 1e-6)`, params.get(tname.slice(5))?.data, exp, "abs", opt.lr ?? 1e-3, g ? (i) => Math.abs(g[i]) < 1e-6 : undefined);
    } else if (tname.startsWith("bnbatch.")) {
      const [, bnName, stat] = /^bnbatch\.(.+)\.(mean|var)$/.exec(tname) ?? [];
      const st = r.batchStats.get(bnName);
      compare(tname, st ? (stat === "mean" ? st.mean : st.variance) : undefined, exp, "rel", tol.runningStatsRel);
    } else if (r.taps.has(tname)) compare(tname, r.taps.get(tname)!.data, exp, "abs", tol.logitsAbs * Math.max(1, maxAbs(exp)));
    else checks.push({ name: tname, maxAbsDiff: Infinity, tolerance: 0, maxAbsExpected: NaN, ok: false, note: "the engine does not produce this tensor" });
  }
  return {
    case: name, dir, nRows: r.logits.length / config.classes, nSites: r.logits.length / config.classes, checks,
    ok: checks.length > 0 && checks.every((c) => c.ok), ms: performance.now() - t0, backend: "wasm",
  };
}

function maxAbs(a: ArrayLike<number>): number { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i])); return m; }
function typedF64(raw: { bytes: Uint8Array; shape: number[] }): Float64Array {
  return new Float64Array(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.byteLength / 8);
}
