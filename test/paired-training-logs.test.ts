// The paired log comparison against sums done by hand on small made-up logs, and its command's errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { binds, pairedDifference, parseTrainingLog } from "../src/metrics/paired-training-logs.js";

const log = (rows: [number, number, number][]) =>
  ["warning: something else", ...rows.map(([i, l, a]) => `train ${i}/300 loss ${l.toFixed(4)} acc ${a.toFixed(4)} 1891 ms/it (47 s)`),
    "trained 300/300 iterations on sim:2d@1; median 1891 ms per iteration; wrote x.safetensors"].join("\n");

test("parses only the log points", () => {
  const points = parseTrainingLog(log([[25, 0.3, 0.9], [50, 0.25, 0.91]]));
  assert.deepEqual(points, [{ iteration: 25, loss: 0.3, accuracy: 0.9 }, { iteration: 50, loss: 0.25, accuracy: 0.91 }]);
});

test("pairs by iteration from the start iteration and splits into thirds", () => {
  const control = log([[25, 0.5, 0.8], [50, 0.3, 0.9], [75, 0.3, 0.9], [100, 0.3, 0.9], [125, 0.3, 0.9], [150, 0.3, 0.9], [175, 0.3, 0.9]]);
  // Treatment misses iteration 100 (not paired); before 50 is left out by from = 50.
  const treatment = log([[25, 0.1, 0.99], [50, 0.29, 0.91], [75, 0.29, 0.91], [125, 0.28, 0.92], [150, 0.27, 0.93], [175, 0.26, 0.93]]);
  const d = pairedDifference(parseTrainingLog(treatment), parseTrainingLog(control), 50);
  assert.equal(d.points, 5);
  assert.equal(d.firstIteration, 50);
  assert.equal(d.lastIteration, 175);
  // d = -0.01, -0.01, -0.02, -0.03, -0.04: mean -0.022, squared deviations 0.012², 0.012², 0.002², 0.008², 0.018² sum to 0.00068, se = sd / sqrt(5)
  assert.ok(Math.abs(d.loss.mean + 0.022) < 1e-12);
  assert.ok(Math.abs(d.loss.standardError - Math.sqrt(0.00068 / 4 / 5)) < 1e-12);
  assert.ok(Math.abs(d.lossFirstThird + 0.01) < 1e-12); // a third of 5 points is 1
  assert.ok(Math.abs(d.lossLastThird + 0.04) < 1e-12);
  assert.ok(Math.abs(d.accuracy.mean - 0.02) < 1e-12);
  assert.ok(Math.abs(d.accuracyLastThird - 0.03) < 1e-12);
  assert.deepEqual(binds(d, 0.003), { binds: true, reasons: [] });
  const small = binds(d, 0.03);
  assert.equal(small.binds, false);
  assert.match(small.reasons.join(), /above -0.03/);
});

test("a gap that narrows or sits inside its error does not bind", () => {
  const control = log([[500, 0.3, 0.9], [525, 0.3, 0.9], [550, 0.3, 0.9]]);
  const narrowing = pairedDifference(parseTrainingLog(log([[500, 0.26, 0.9], [525, 0.27, 0.9], [550, 0.29, 0.9]])), parseTrainingLog(control), 500);
  assert.match(binds(narrowing, 0.003).reasons.join(), /not wider in the last third/);
  const noisy = pairedDifference(parseTrainingLog(log([[500, 0.35, 0.9], [525, 0.24, 0.9], [550, 0.28, 0.9]])), parseTrainingLog(control), 500);
  assert.match(binds(noisy, 0.003).reasons.join(), /two standard errors/);
});

test("too few shared points is an error that says so", () => {
  assert.throws(() => pairedDifference(parseTrainingLog(log([[25, 0.3, 0.9]])), parseTrainingLog(log([[25, 0.3, 0.9]])), 0), /only 1 log points/);
});

test("the command names logs it cannot pair and options it does not know, without a stack trace (exit 2)", () => {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), "paired-logs-"));
  const short = join(dir, "short.log");
  writeFileSync(short, log([[25, 0.3, 0.9]]));
  const run = (...args: string[]) => spawnSync(process.execPath, [join(root, "dist/bench/paired-training-logs.js"), ...args], { encoding: "utf8" });
  const tooFew = run(short, short, "--from", "0");
  assert.equal(tooFew.status, 2);
  assert.match(tooFew.stderr, /short\.log against .*short\.log: only 1 log points from iteration 0/);
  assert.doesNotMatch(tooFew.stderr, /at pairedDifference/);
  const unknown = run(short, short, "--to", "475");
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /--to.*\n.*usage: node dist\/bench\/paired-training-logs\.js/s);
  const missing = run(join(dir, "absent.log"), short);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /absent\.log.*ENOENT/);
});
