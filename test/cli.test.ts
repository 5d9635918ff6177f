// The command line as a user runs it: every verb answers --help, verify's exit code follows the
// comparison, segment writes readable outputs, bad input exits non-zero with a named problem.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseTrainingLog } from "../src/metrics/paired-training-logs.js";
import { recordedOnThisCpu, scnTiming } from "../src/node/scn-timings.js";
import { readModelFile, writeModelFile } from "../src/weights/model-file.js";
import { asFloat32, parseSafetensors, serializeSafetensors } from "../src/weights/safetensors.js";
import { VERB_NAMES } from "../src/cli/main.js";
import { CLI_BIN as bin, runCli as run } from "./support/cli.js";
import { PROJECT_ROOT, sharedDir } from "./support/paths.js";

const tmp = mkdtempSync(join(tmpdir(), "ssn-cli-"));
const sample = join(PROJECT_ROOT, "samples", "scn-2d-m16-small");

test("every verb has --help", () => {
  assert.ok(VERB_NAMES.length >= 18 && VERB_NAMES.includes("add-blocks"), VERB_NAMES.join(","));
  for (const verb of VERB_NAMES) {
    const r = run(verb, "--help");
    assert.equal(r.status, 0, `${verb}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`usage: sparsessnet ${verb}`));
  }
  assert.equal(run("frobnicate").status, 2);
});

test("verify passes the shared inference and training cases", () => {
  const ok = run("verify", join(sharedDir(), "conformance", "scn-3d-m16-small"), sample);
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /PASS scn-3d-m16-small/);
  assert.match(ok.stdout, /logits\s+max\|diff\|/);
  const train = run("verify", join(sharedDir(), "conformance", "scn-2d-m8-train"));
  assert.equal(train.status, 0, train.stdout);
  assert.match(train.stdout, /PASS scn-2d-m8-train/);
  assert.match(train.stdout, /grad\.sparseModel\.1\.weight\s+max\|diff\|/);
});

test("segment writes logits, scores, labels and track/shower per input row", () => {
  const out = join(tmp, "out.safetensors");
  const r = run("segment", "--weights", join(sample, "weights.safetensors"), "--config", join(sample, "manifest.json"),
    "--event", join(sample, "event.safetensors"), "--out", out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /per-event time: [\d.]+ ms/);
  const f = parseSafetensors(new Uint8Array(readFileSync(out)));
  assert.deepEqual(f.tensors.get("logits")!.shape, [500, 5]);
  assert.deepEqual(f.tensors.get("scores")!.shape, [500, 5]);
  assert.deepEqual(f.tensors.get("labels")!.shape, [500]);
  const labels = f.tensors.get("labels")!.bytes, ts = f.tensors.get("track_shower")!.bytes;
  labels.forEach((l, i) => assert.equal(ts[i], l < 2 ? 0 : 1));
  assert.equal(f.metadata.decision, "the softmax of the logits");
});

test("init-weights then segment with the embedded config; threshold window drops rows", () => {
  const w = join(tmp, "m.safetensors");
  assert.equal(run("init-weights", "--dim", "2", "--filters", "8", "--depth", "4", "--out", w).status, 0);
  const out = join(tmp, "o.safetensors");
  const r = run("segment", "--weights", w, "--event", join(sample, "event.safetensors"), "--spatial-size", "128,128", "--threshold", "1,3", "--out", out);
  assert.equal(r.status, 0, r.stderr);
  const f = parseSafetensors(new Uint8Array(readFileSync(out)));
  const n = f.tensors.get("labels")!.shape[0];
  assert.ok(n > 0 && n < 500, `kept ${n} rows`);
  assert.deepEqual(f.tensors.get("input_rows")!.shape, [n]);
});

/** The labels `segment` gives the 2D sample event with the model file `model`. */
function sampleLabels(model: string): Uint8Array {
  const out = join(tmp, "sample-labels.safetensors");
  const s = run("segment", "--weights", model, "--event", join(sample, "event.safetensors"), "--spatial-size", "128,128", "--out", out);
  assert.equal(s.status, 0, s.stderr);
  return parseSafetensors(new Uint8Array(readFileSync(out))).tensors.get("labels")!.bytes;
}

test("add-blocks, then segment: the same labels from a third block per level; too few reps are named", () => {
  const w = join(tmp, "thin.safetensors"), thick = join(tmp, "thick.safetensors");
  assert.equal(run("init-weights", "--dim", "2", "--filters", "4", "--depth", "3", "--out", w).status, 0);
  const r = run("add-blocks", "--model", w, "--out", thick, "--seed", "5");
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(parseSafetensors(new Uint8Array(readFileSync(thick))).metadata.config).reps, 3);
  assert.deepEqual(sampleLabels(thick), sampleLabels(w));
  const bad = run("add-blocks", "--model", w, "--reps", "2", "--out", thick);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /reps 2: expected an integer above the model's 2/);
});

test("widen, then segment: the same labels from twice the channels; a bad factor is named", () => {
  const w = join(tmp, "narrow.safetensors"), wide = join(tmp, "wide.safetensors");
  assert.equal(run("init-weights", "--dim", "2", "--filters", "4", "--depth", "3", "--out", w).status, 0);
  const r = run("widen", "--model", w, "--out", wide);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(parseSafetensors(new Uint8Array(readFileSync(wide))).metadata.config).filters, 8);
  assert.deepEqual(sampleLabels(wide), sampleLabels(w));
  const bad = run("widen", "--model", w, "--factor", "1.5", "--out", wide);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--factor 1\.5/);
});

test("deepen, then segment: the same labels from one more level; the source is recorded; a bad channel count is named", () => {
  const w = join(tmp, "shallow.safetensors"), deep = join(tmp, "deep.safetensors");
  assert.equal(run("init-weights", "--dim", "2", "--filters", "4", "--depth", "3", "--out", w).status, 0);
  const r = run("deepen", "--model", w, "--out", deep, "--seed", "7");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /depth 3 -> 4, planes 4,8,12,16/);
  const metadata = parseSafetensors(new Uint8Array(readFileSync(deep))).metadata;
  assert.equal(JSON.parse(metadata.config).depth, 4);
  assert.equal(metadata.deepenedFrom, w);
  assert.equal(metadata.deepenSeed, "7");
  assert.deepEqual(sampleLabels(deep), sampleLabels(w));
  const bad = run("deepen", "--model", w, "--channels", "0", "--out", deep);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--channels 0/);
});

test("bad input exits 1 with the problem named; a bad flag exits 2", () => {
  const ev = join(tmp, "bad.safetensors");
  writeFileSync(ev, serializeSafetensors({
    coords: { dtype: "I32", shape: [2, 2], data: Int32Array.from([1, 1, 200, 3]) },
    features: { dtype: "F32", shape: [2, 1], data: Float32Array.from([1, 2]) },
  }, { spatialSize: "[128,128]" }));
  const r = run("segment", "--weights", join(sample, "weights.safetensors"), "--config", join(sample, "manifest.json"), "--event", ev, "--out", join(tmp, "x"));
  assert.equal(r.status, 1);
  assert.match(r.stderr, /InvalidInputError: row 1: coordinate 0 = 200 is outside \[0, 128\)/);
  assert.equal(run("segment", "--nope").status, 2);
  // A file of many events given where one event goes: said so, with the flags that take it.
  const h5 = run("segment", "--model", "default-3d", "--event", join(PROJECT_ROOT, "samples", "sim-3d-192.h5"), "--out", join(tmp, "y"));
  assert.equal(h5.status, 1);
  assert.match(h5.stderr, /sim-3d-192\.h5 is an HDF5 file of events, not one event .* segment --input/);
  const npz = join(tmp, "many.npz");
  writeFileSync(npz, Uint8Array.of(0x50, 0x4b, 0x03, 0x04));
  const z = run("segment", "--model", "default-3d", "--event", npz, "--out", join(tmp, "z"));
  assert.equal(z.status, 1);
  assert.match(z.stderr, /many\.npz is an npz file of events, not one event/);
});

test("number flags: words, fractions and values out of range are refused with the flag named, before any work", () => {
  const cases: [string[], RegExp][] = [
    [["simulate", "--dim", "4", "--events", "1", "--out", join(tmp, "s.h5")], /--dim 4: expected an integer from 2 to 3/],
    [["simulate", "--dim", "2", "--events", "", "--out", join(tmp, "s.h5")], /--events : expected an integer >= 1/],
    [["simulate", "--dim", "3", "--events", "1", "--seed", "abc", "--out", join(tmp, "s.h5")], /--seed abc: expected an integer$/m],
    [["evaluate", "--model", "default-2d", "--data", "sim:2d@1", "--events", "2.5"], /--events 2\.5: expected an integer >= 1/],
    [["train", "--init", "default-2d", "--data", "sim:2d@1", "--lr", "0", "--out", join(tmp, "t.safetensors")], /--lr 0: expected a number > 0/],
    [["train", "--dim", "2", "--data", "sim:2d@1", "--out", join(tmp, "t.safetensors")], /--filters is required/],
    [["segment", "--model", "default-2d", "--event", join(sample, "event.safetensors"), "--out", join(tmp, "seg"), "--threads", "10"], /--threads 10: expected an integer from 1 to 9/],
    [["demo", "--runs", "0"], /--runs 0: expected an integer >= 1/],
  ];
  for (const [args, message] of cases) {
    const r = run(...args);
    assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  assert.ok(!existsSync(join(tmp, "s.h5")), "simulate wrote nothing");
});

test("demo: the main job runs the shipped models on the bundled labelled events, prints time and accuracy, writes displays", () => {
  const out = join(tmp, "demo");
  const r = run("demo", "--runs", "1", "--out", out);
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /conformance with SparseConvNet .*PASS/);
  assert.match(r.stdout, /default-3d on sim-3d-192\.h5: 10 events, \d+ sites, median [\d.]+ ms per event \(\d+ events? without kernel trials\); accuracy [\d.]+ ± [\d.]+%, track\/shower [\d.]+ ± [\d.]+%/);
  assert.match(r.stdout, /default-2d on sim-2d-Y\.h5: 3 events/);
  assert.match(r.stdout, /SparseConvNet CPU 1 thread/);
  // A note under that ratio exactly when the recorded time was taken on another CPU than this one.
  const record = scnTiming(join(PROJECT_ROOT, "samples", "2d-1008x3456-17k"), 16)!;
  assert.equal(/note: SparseConvNet's time was recorded on another CPU/.test(r.stdout), recordedOnThisCpu(record) === false);
  for (const f of ["default-3d-event0.png", "default-2d-event0.png"]) assert.ok(readFileSync(join(out, f)).length > 1000, f);
});

test("simulate, info --json and evaluate --json agree on a file", () => {
  const f = join(tmp, "sim.h5");
  assert.equal(run("simulate", "--dim", "3", "--size", "64", "--events", "4", "--seed", "5", "--out", f).status, 0);
  const info = JSON.parse(run("info", f, "--json").stdout);
  assert.equal(info.events, 4);
  assert.equal(info.perEvent.length, 4);
  assert.equal(info.perEvent[0].classCounts.length, 5);
  const total = info.perEvent.reduce((a: number, e: { sites: number }) => a + e.sites, 0);
  assert.equal(total, info.sites);
  const w = join(tmp, "m3.safetensors");
  assert.equal(run("init-weights", "--dim", "3", "--filters", "8", "--depth", "3", "--out", w).status, 0);
  const ev = JSON.parse(run("evaluate", "--model", w, "--data", f, "--json").stdout);
  assert.equal(ev.events, 4);
  assert.equal(ev.sites, info.classCounts.reduce((a: number, b: number) => a + b, 0));
  for (const k of ["nonzeroAccuracy", "trackShowerAccuracy", "icpf"]) assert.ok(k in ev);
  assert.equal(ev.classAccuracy.length, 5);
  assert.equal(ev.confusion.length, 5);
  const mirrored = JSON.parse(run("evaluate", "--model", w, "--data", f, "--json", "--augment", "mirror").stdout);
  assert.equal(mirrored.augment, "mirror");
  assert.equal(mirrored.sites, ev.sites);
  // --baseline: the second model on the same events, and the paired differences.
  const w2 = join(tmp, "m3b.safetensors");
  assert.equal(run("init-weights", "--dim", "3", "--filters", "8", "--depth", "3", "--seed", "2", "--out", w2).status, 0);
  const vs = JSON.parse(run("evaluate", "--model", w, "--baseline", w2, "--data", f, "--json").stdout);
  assert.equal(vs.nonzeroAccuracy, ev.nonzeroAccuracy);
  assert.equal(vs.baseline.model, w2);
  assert.equal(vs.baseline.sites, ev.sites);
  assert.ok(Math.abs(vs.difference.nonzeroAccuracy.difference - (ev.nonzeroAccuracy - vs.baseline.nonzeroAccuracy)) < 1e-12);
  assert.ok(vs.difference.nonzeroAccuracy.standardError >= 0);
  const self = JSON.parse(run("evaluate", "--model", w, "--baseline", w, "--data", f, "--json").stdout);
  assert.deepEqual(self.difference.trackShowerAccuracy, { difference: 0, standardError: 0 });
  assert.match(run("evaluate", "--model", w, "--baseline", w2, "--data", f).stdout, /model minus baseline, percentage points/);
  const w2d = join(tmp, "m2.safetensors");
  assert.equal(run("init-weights", "--dim", "2", "--filters", "8", "--depth", "3", "--out", w2d).status, 0);
  const wrongDim = run("evaluate", "--model", w, "--baseline", w2d, "--data", f);
  assert.notEqual(wrongDim.status, 0);
  assert.match(wrongDim.stderr, /baseline .*m2\.safetensors: event has dim 3 but the model is 2D/);
  const missing = run("evaluate", "--model", w, "--baseline", join(tmp, "nope.safetensors"), "--data", f);
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /nope\.safetensors/);
  const bad = run("evaluate", "--model", w, "--data", f, "--augment", "rotate");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--augment rotate: expected none or mirror/);
});

test("calibrate: class biases added to the final Linear bias only, recorded in the metadata; the file runs", () => {
  const f = join(tmp, "cal.h5");
  assert.equal(run("simulate", "--dim", "3", "--size", "64", "--events", "3", "--seed", "8", "--out", f).status, 0);
  const w = join(tmp, "cal-in.safetensors"), out = join(tmp, "cal-out.safetensors");
  assert.equal(run("init-weights", "--dim", "3", "--filters", "8", "--depth", "3", "--seed", "4", "--out", w).status, 0);
  const r = run("calibrate", "--model", w, "--data", f, "--out", out);
  assert.equal(r.status, 0, r.stderr);
  const printed = /class biases added to the logits: (.*)/.exec(r.stdout)![1].split(", ").map((p) => Number(p.split(" ")[1]));
  assert.equal(printed.length, 5);
  const [a, b] = [w, out].map((p) => parseSafetensors(readFileSync(p)));
  for (const [name, t] of a.tensors) {
    const u = b.tensors.get(name)!;
    const [x, y] = [asFloat32(t, name), asFloat32(u, name)];
    if (name === "linear.bias") x.forEach((v, c) => assert.equal(y[c], Math.fround(v + printed[c]), `bias ${c}`));
    else assert.deepEqual(y, x, name);
  }
  const cal = JSON.parse(b.metadata.calibration);
  assert.deepEqual(Object.values(cal.classBiases), printed);
  assert.deepEqual(cal.keep, ["delta", "Michel"]);
  // The "after" line is what evaluate measures with the written file, on the same events.
  const after = /-> ([\d.]+)%, track\/shower [\d.]+% -> ([\d.]+)%/.exec(r.stdout)!;
  const ev = JSON.parse(run("evaluate", "--model", out, "--data", f, "--json").stdout);
  assert.ok(Math.abs(100 * ev.nonzeroAccuracy - Number(after[1])) < 0.05, `${100 * ev.nonzeroAccuracy} vs ${after[1]}`);
  assert.ok(Math.abs(100 * ev.trackShowerAccuracy - Number(after[2])) < 0.05);
  const bad = run("calibrate", "--model", w, "--data", f, "--out", out, "--keep", "delta,pion");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /"pion" is not a class/);
});

test("calibrate --smooth: the constants go to the mix in the config, every weight stays; the file runs as fitted", () => {
  const f = join(tmp, "cal-smooth.h5");
  assert.equal(run("simulate", "--dim", "3", "--size", "64", "--events", "3", "--seed", "9", "--out", f).status, 0);
  const w = join(tmp, "cal-smooth-in.safetensors"), out = join(tmp, "cal-smooth-out.safetensors");
  assert.equal(run("init-weights", "--dim", "3", "--filters", "8", "--depth", "3", "--seed", "5", "--out", w).status, 0);
  const r = run("calibrate", "--model", w, "--data", f, "--smooth", "2,0.3", "--out", out);
  assert.equal(r.status, 0, r.stderr);
  const printed = /class biases added to the log of the scores mixed over neighbours \(radius 2, share 0.3\): (.*)/.exec(r.stdout)![1]
    .split(", ").map((p) => Number(p.split(" ")[1]));
  const [a, b] = [w, out].map((p) => parseSafetensors(readFileSync(p)));
  for (const [name, t] of a.tensors) assert.deepEqual(asFloat32(b.tensors.get(name)!, name), asFloat32(t, name), name);
  assert.deepEqual(JSON.parse(b.metadata.config).smoothing, { radius: 2, share: 0.3, constants: printed });
  const after = /-> ([\d.]+)%, track\/shower [\d.]+% -> ([\d.]+)%/.exec(r.stdout)!;
  const ev = JSON.parse(run("evaluate", "--model", out, "--data", f, "--json").stdout);
  assert.ok(Math.abs(100 * ev.nonzeroAccuracy - Number(after[1])) < 0.05, `${100 * ev.nonzeroAccuracy} vs ${after[1]}`);
  // segment says what its scores are.
  const seg = join(tmp, "cal-smooth-seg.safetensors");
  const s = run("segment", "--weights", out, "--event", join(PROJECT_ROOT, "samples", "3d-192-5k", "event.safetensors"), "--out", seg);
  assert.equal(s.status, 0, s.stderr);
  assert.match(parseSafetensors(readFileSync(seg)).metadata.decision, /^mixed over neighbours \(radius 2, share 0.3, constants /);
  // --smooth none takes the mix away again: the constants go back to the final Linear bias.
  const plain = join(tmp, "cal-smooth-none.safetensors");
  const none = run("calibrate", "--model", out, "--data", f, "--smooth", "none", "--out", plain);
  assert.equal(none.status, 0, none.stderr);
  const onLogits = /class biases added to the logits: (.*)/.exec(none.stdout)![1].split(", ").map((p) => Number(p.split(" ")[1]));
  const c = parseSafetensors(readFileSync(plain));
  assert.equal(JSON.parse(c.metadata.config).smoothing, undefined);
  const [was, now] = [b, c].map((x) => asFloat32(x.tensors.get("linear.bias")!, "linear.bias"));
  was.forEach((v, k) => assert.equal(now[k], Math.fround(v + onLogits[k]), `bias ${k}`));
  const bad = run("calibrate", "--model", w, "--data", f, "--out", out, "--smooth", "5,0.3");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--smooth 5,0.3: expected RADIUS,SHARE/);
});

test("calibrate --floor: the floor is the other model's accuracy as evaluate measures it, recorded in the metadata", () => {
  const f = join(tmp, "cal-floor.h5");
  assert.equal(run("simulate", "--dim", "3", "--size", "64", "--events", "3", "--seed", "9", "--out", f).status, 0);
  const w = join(tmp, "cal-floor-in.safetensors"), plain = join(tmp, "cal-floor-plain.safetensors"), out = join(tmp, "cal-floor-out.safetensors");
  assert.equal(run("init-weights", "--dim", "3", "--filters", "8", "--depth", "3", "--seed", "5", "--out", w).status, 0);
  // The model as its own floor: the floor is where the model starts, so the fit is the plain one.
  const r = run("calibrate", "--model", w, "--data", f, "--out", out, "--floor", w);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(run("calibrate", "--model", w, "--data", f, "--out", plain).status, 0);
  const biases = (p: string) => JSON.parse(parseSafetensors(readFileSync(p)).metadata.calibration);
  assert.deepEqual(biases(out).classBiases, biases(plain).classBiases);
  assert.equal(biases(out).floor, w);
  const floorLine = /the floor, .* on the same sites:\n  non-zero ([\d.]+)%, track\/shower ([\d.]+)%/.exec(r.stdout)!;
  const ev = JSON.parse(run("evaluate", "--model", w, "--data", f, "--json").stdout);
  assert.ok(Math.abs(100 * ev.nonzeroAccuracy - Number(floorLine[1])) < 0.005, `${100 * ev.nonzeroAccuracy} vs ${floorLine[1]}`);
  assert.ok(Math.abs(100 * ev.trackShowerAccuracy - Number(floorLine[2])) < 0.005);
  const missing = run("calibrate", "--model", w, "--data", f, "--out", out, "--floor", join(tmp, "no-floor.safetensors"));
  assert.notEqual(missing.status, 0);
  assert.match(missing.stderr, /no-floor\.safetensors/);
  // A track/shower margin is added to the floor, recorded; one that no constants reach writes nothing.
  const margin = join(tmp, "cal-floor-margin.safetensors");
  const m = run("calibrate", "--model", w, "--data", f, "--out", margin, "--floor", w, "--track-shower-margin", "0.5");
  assert.equal(m.status, 0, m.stderr);
  assert.equal(biases(margin).trackShowerMarginPoints, 0.5);
  const tsAfter = Number(/track\/shower [\d.]+% -> ([\d.]+)%/.exec(m.stdout)![1]);
  assert.ok(tsAfter >= Number(floorLine[2]) + 0.5 - 0.005, `track/shower ${tsAfter}% against the floor ${floorLine[2]}% + 0.5`);
  const far = run("calibrate", "--model", w, "--data", f, "--out", join(tmp, "cal-far.safetensors"), "--floor", w, "--track-shower-margin", "60");
  assert.equal(far.status, 1);
  assert.match(far.stderr, /plus 60 points of track\/shower .* sites short.*nothing written/);
  assert.ok(!existsSync(join(tmp, "cal-far.safetensors")));
  const bad = run("calibrate", "--model", w, "--data", f, "--out", out, "--track-shower-margin", "100");
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--track-shower-margin 100: expected percentage points/);
  // A negative margin lets track/shower end below the floor by at most that much; recorded.
  const slack = join(tmp, "cal-floor-slack.safetensors");
  const sl = run("calibrate", "--model", w, "--data", f, "--out", slack, "--floor", w, "--track-shower-margin=-0.5");
  assert.equal(sl.status, 0, sl.stderr);
  assert.equal(biases(slack).trackShowerMarginPoints, -0.5);
  const tsSlack = Number(/track\/shower [\d.]+% -> ([\d.]+)%/.exec(sl.stdout)![1]);
  assert.ok(tsSlack >= Number(floorLine[2]) - 0.5 - 0.005, `track/shower ${tsSlack}% against the floor ${floorLine[2]}% - 0.5`);
  // --keep-own with the model as its own floor: the target is the same, so the fit is too; recorded.
  const own = join(tmp, "cal-floor-own.safetensors");
  const o = run("calibrate", "--model", w, "--data", f, "--out", own, "--floor", w, "--keep-own", "Michel");
  assert.equal(o.status, 0, o.stderr);
  assert.deepEqual(biases(own).classBiases, biases(plain).classBiases);
  assert.deepEqual(biases(own).keepOwn, ["Michel"]);
  const badOwn = run("calibrate", "--model", w, "--data", f, "--out", own, "--keep-own", "kaon");
  assert.equal(badOwn.status, 2);
  assert.match(badOwn.stderr, /--keep-own kaon: "kaon" is not a class/);
  // A kept class's margin: its accuracy ends that many points above where it began, recorded; one that
  // no constants reach (10% + 95 points) writes nothing; a margin on a class not kept is refused.
  const lead = join(tmp, "cal-floor-lead.safetensors");
  const l = run("calibrate", "--model", w, "--data", f, "--out", lead, "--keep", "HIP", "--keep-margin", "HIP=40");
  assert.equal(l.status, 0, l.stderr);
  assert.deepEqual(biases(lead).keepMarginPoints, { HIP: 40 });
  const [hipBefore, hipAfter] = /HIP ([\d.]+)% -> ([\d.]+)%/.exec(l.stdout)!.slice(1).map(Number);
  assert.ok(hipAfter >= hipBefore + 40 - 0.005, `HIP ${hipBefore}% -> ${hipAfter}%`);
  const beyond = run("calibrate", "--model", w, "--data", f, "--out", join(tmp, "cal-beyond.safetensors"), "--keep", "HIP", "--keep-margin", "HIP=95");
  assert.equal(beyond.status, 1);
  assert.match(beyond.stderr, /with the kept classes' margins .* sites short.*nothing written/);
  assert.ok(!existsSync(join(tmp, "cal-beyond.safetensors")));
  const unkept = run("calibrate", "--model", w, "--data", f, "--out", lead, "--keep-margin", "HIP=1");
  assert.equal(unkept.status, 2);
  assert.match(unkept.stderr, /--keep-margin HIP=1: HIP is not kept/);
  const malformed = run("calibrate", "--model", w, "--data", f, "--out", lead, "--keep-margin", "delta");
  assert.equal(malformed.status, 2);
  assert.match(malformed.stderr, /"delta" is not CLASS=P/);
});

test("average: the weighted mean of two models, recorded in the metadata; the file runs; mismatches are refused", () => {
  const [m1, m2, m3, out] = ["avg-1", "avg-2", "avg-3", "avg-out"].map((n) => join(tmp, `${n}.safetensors`));
  for (const [m, seed, filters] of [[m1, "1", "4"], [m2, "2", "4"], [m3, "3", "8"]]) {
    assert.equal(run("init-weights", "--dim", "2", "--filters", filters, "--depth", "3", "--seed", seed, "--out", m).status, 0);
  }
  const r = run("average", "--fractions", "0.25,0.75", "--out", out, m1, m2);
  assert.equal(r.status, 0, r.stderr);
  const [x, y, z] = [m1, m2, out].map((p) => parseSafetensors(readFileSync(p)));
  for (const [name, t] of z.tensors) {
    const [u, v, w] = [x.tensors.get(name)!, y.tensors.get(name)!, t].map((q) => asFloat32(q, name));
    w.forEach((val, i) => assert.equal(val, Math.fround(0.25 * u[i] + 0.75 * v[i]), `${name}[${i}]`));
  }
  assert.deepEqual(JSON.parse(z.metadata.averagedFrom), [{ model: m1, fraction: 0.25 }, { model: m2, fraction: 0.75 }]);
  const seg = run("segment", "--weights", out, "--event", join(sample, "event.safetensors"), "--out", join(tmp, "avg-seg.safetensors"));
  assert.equal(seg.status, 0, seg.stderr);
  const wrong = run("average", "--out", out, m1, m3);
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /avg-3\.safetensors has another architecture/);
  // A model that mixes its scores over neighbours averages with one that does not; the mean keeps the first's stage.
  const mixing = join(tmp, "avg-mixing.safetensors"), m2file = readModelFile(readFileSync(m2));
  const smoothing = { radius: 2, share: 0.3, constants: [0, 0, 0, 0.125, 0] };
  writeFileSync(mixing, writeModelFile({ ...m2file.config, smoothing }, m2file.weights));
  for (const [order, kept] of [[[m1, mixing], undefined], [[mixing, m1], smoothing]] as const) {
    const mixed = run("average", "--out", out, ...order);
    assert.equal(mixed.status, 0, mixed.stderr);
    assert.match(mixed.stdout, /decide their labels differently/);
    assert.deepEqual(readModelFile(readFileSync(out)).config.smoothing, kept);
  }
  const one = run("average", "--out", out, m1);
  assert.equal(one.status, 2);
  assert.match(one.stderr, /at least two models/);
});

test("train stops cleanly on SIGTERM (checkpoint and model written, exit 130); --init takes that checkpoint", async () => {
  const { spawn } = await import("node:child_process");
  const { readdirSync } = await import("node:fs");
  const dir = join(tmp, "sigterm");
  const out = join(dir, "model.safetensors"), ck = join(dir, "ck");
  const child = spawn(process.execPath, [bin, "train", "--data", "sim:3d:32@1", "--dim", "3", "--filters", "4", "--depth", "2",
    "--batch", "1", "--iterations", "100000", "--checkpoint-dir", ck, "--checkpoint-every", "100000", "--out", out], { stdio: ["ignore", "ignore", "pipe"] });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
  // Signal once training is under way (its first progress line), not after a fixed time: on a
  // loaded machine the start-up alone can take seconds.
  let text = "";
  const training = new Promise<"training">((resolve) => {
    child.stderr!.on("data", (d: Buffer) => { text += d.toString(); if (/train 25\//.test(text)) resolve("training"); });
  });
  const early = await Promise.race([exited, training]);
  assert.equal(early, "training", "train ended before the signal");
  child.kill("SIGTERM");
  const code = await exited;
  assert.equal(code, 130, "exit code after SIGTERM");
  // The log lines are what the card's paired comparisons read (src/metrics/paired-training-logs.ts).
  const first = parseTrainingLog(text)[0];
  assert.equal(first.iteration, 25, text);
  assert.ok(first.loss > 0 && first.accuracy >= 0 && first.accuracy <= 1, text);
  assert.ok(existsSync(out), "model written");
  const cks = readdirSync(ck).filter((f) => f.endsWith(".safetensors"));
  assert.equal(cks.length, 1, "one checkpoint written at the stop");
  const next = run("train", "--init", join(ck, cks[0]), "--data", "sim:3d:32@2", "--batch", "1", "--iterations", "2", "--out", join(dir, "next.safetensors"));
  assert.equal(next.status, 0, next.stderr);
  assert.match(next.stdout, /trained 2\/2 iterations/);
  // Resuming keeps the checkpoint's options: another value is refused by name, not ignored...
  const resumed = run("train", "--data", "sim:3d:32@1", "--checkpoint-dir", ck, "--resume", "--iterations", "7", "--time-limit", "0.01", "--out", join(dir, "resumed.safetensors"));
  assert.notEqual(resumed.status, 0);
  assert.match(resumed.stderr, /--iterations 7: .*belongs to a run with --iterations 100000, and its learning-rate schedule/);
  const batch = run("train", "--data", "sim:3d:32@1", "--checkpoint-dir", ck, "--resume", "--batch", "2", "--out", join(dir, "resumed.safetensors"));
  assert.notEqual(batch.status, 0);
  assert.match(batch.stderr, /--batch 2: .*belongs to a run with --batch 1; resume without --batch/);
  const filters = run("train", "--data", "sim:3d:32@1", "--checkpoint-dir", ck, "--resume", "--filters", "8", "--out", join(dir, "resumed.safetensors"));
  assert.notEqual(filters.status, 0);
  assert.match(filters.stderr, /--filters 8: .*is a model with filters 4/);
  // ...and the command that started the run, given again with --resume, continues it.
  const same = run("train", "--data", "sim:3d:32@1", "--dim", "3", "--filters", "4", "--depth", "2", "--batch", "1", "--iterations", "100000",
    "--checkpoint-dir", ck, "--checkpoint-every", "100000", "--resume", "--time-limit", "0.01", "--out", join(dir, "resumed.safetensors"));
  assert.equal(same.status, 0, same.stderr);
  assert.match(same.stderr, /resumed from .*checkpoint-\d+\.safetensors at iteration [1-9]/);
});

test("train --smooth: the loss through the mix; the model written mixes alike (constants 0); a resumed run keeps the mix", () => {
  const dir = join(tmp, "train-smooth"), ck = join(dir, "ck");
  const small = ["--data", "sim:3d:32@4", "--dim", "3", "--filters", "4", "--depth", "2", "--batch", "1", "--iterations", "2", "--seed", "4"];
  const mixed = join(dir, "mixed.safetensors"), plain = join(dir, "plain.safetensors");
  const r = run("train", ...small, "--smooth", "2,0.5", "--checkpoint-dir", ck, "--out", mixed);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(run("train", ...small, "--out", plain).status, 0);
  const [m, p] = [mixed, plain].map((f) => readModelFile(readFileSync(f)));
  assert.deepEqual(m.config.smoothing, { radius: 2, share: 0.5, constants: [0, 0, 0, 0, 0] });
  assert.equal(p.config.smoothing, undefined);
  // The same batches and start: the weights differ only because the loss went through the mix.
  const w = "linear.weight";
  assert.notDeepEqual(m.weights.get(w)!.data, p.weights.get(w)!.data);
  const other = run("train", "--data", "sim:3d:32@4", "--checkpoint-dir", ck, "--resume", "--smooth", "3,0.5", "--out", mixed);
  assert.equal(other.status, 2);
  assert.match(other.stderr, /--smooth 3,0\.5: .* belongs to a run with --smooth/);
  for (const [flag, message] of [["none", /--smooth none: a run without the mix is a run without --smooth/], ["2", /--smooth 2: expected RADIUS,SHARE/]] as const) {
    const bad = run("train", ...small, "--smooth", flag, "--out", join(dir, "bad.safetensors"));
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, message);
  }
});

test("train --teacher distils from a model file; a resumed run needs the same file (by SHA-256), wherever it is now", async () => {
  const { copyFileSync } = await import("node:fs");
  const dir = join(tmp, "teacher");
  const small = ["--dim", "3", "--filters", "4", "--depth", "2", "--batch", "1"];
  const a = join(dir, "a.safetensors"), b = join(dir, "b.safetensors"), moved = join(dir, "moved.safetensors"), ck = join(dir, "ck");
  for (const [out, seed] of [[a, "1"], [b, "2"]]) {
    const r = run("train", "--data", `sim:3d:32@${seed}`, ...small, "--iterations", "1", "--seed", seed, "--out", out);
    assert.equal(r.status, 0, r.stderr);
  }
  const alone = run("train", "--data", "sim:3d:32@3", ...small, "--teacher-weight", "0.5", "--out", join(dir, "x.safetensors"));
  assert.equal(alone.status, 2);
  assert.match(alone.stderr, /--teacher-weight and --teacher-augment need --teacher/);
  const distil = run("train", "--data", "sim:3d:32@3", "--init", a, "--teacher", a, "--teacher-augment", "mirror", "--teacher-weight", "0.7",
    "--batch", "1", "--iterations", "2", "--checkpoint-dir", ck, "--out", join(dir, "student.safetensors"));
  assert.equal(distil.status, 0, distil.stderr);
  assert.match(distil.stdout, /trained 2\/2 iterations/);
  const options = JSON.parse(readFileSync(join(ck, "checkpoint-0000002.json"), "utf8")).options;
  assert.equal(options.teacher.model, a);
  assert.equal(options.teacher.augment, "mirror");
  assert.equal(options.teacher.weight, 0.7);
  const other = run("train", "--data", "sim:3d:32@3", "--checkpoint-dir", ck, "--resume", "--teacher", b, "--out", join(dir, "student.safetensors"));
  assert.notEqual(other.status, 0);
  assert.match(other.stderr, /teacher .*b\.safetensors .* is not the teacher this run was started with/);
  copyFileSync(a, moved);
  const again = run("train", "--data", "sim:3d:32@3", "--checkpoint-dir", ck, "--resume", "--teacher", moved, "--out", join(dir, "student.safetensors"));
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /trained 2\/2 iterations/);
});
