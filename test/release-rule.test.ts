// The release rule against hand-made differences on each side of its bounds, and the command on an
// evaluate --json file written by the CLI itself.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { CLASS_NAMES } from "../src/data/labelled-event.js";
import { releaseVerdict, type ReleaseTerms } from "../src/metrics/release-rule.js";
import type { AccuracyDifference } from "../src/metrics/segmentation-metrics.js";

const d = (difference: number, standardError: number) => ({ difference, standardError });
/** Session 46's variant: track/shower only guarded (`release-rule.js --must-rise non-zero`). */
const NON_ZERO_RULE: ReleaseTerms = { mustRise: ["non-zero"], mayFall: {} };
/** Non-zero +0.10 ± 0.02, track/shower +0.05 ± 0.01 points, every class 0 ± 0.05: passes. */
function gain(): AccuracyDifference {
  return { nonzeroAccuracy: d(0.0010, 0.0002), trackShowerAccuracy: d(0.0005, 0.0001), classAccuracy: CLASS_NAMES.map(() => d(0, 0.0005)) };
}

test("a resolved gain with nothing guarded lower passes", () => {
  assert.deepEqual(releaseVerdict(gain(), CLASS_NAMES), { passes: true, reasons: [] });
});

test("a guarded class lower beyond two standard errors fails, and the reason names it", () => {
  const x = gain();
  x.classAccuracy[3] = d(-0.0019, 0.0004); // delta, as phases 23-24 in 2D
  const v = releaseVerdict(x, CLASS_NAMES);
  assert.equal(v.passes, false);
  assert.deepEqual(v.reasons, ["delta lower beyond 2 standard errors (-0.19 ± 0.04 points)"]);
  x.classAccuracy[3] = d(-0.0007, 0.0004); // within two: does not block
  assert.equal(releaseVerdict(x, CLASS_NAMES).passes, true);
});

test("HIP, MIP and shower may fall; a gain within two standard errors is not enough", () => {
  const x = gain();
  x.classAccuracy[0] = d(-0.02, 0.005);
  x.classAccuracy[1] = d(-0.01, 0.001);
  assert.equal(releaseVerdict(x, CLASS_NAMES).passes, true);
  x.nonzeroAccuracy = d(0.0003, 0.0002);
  const v = releaseVerdict(x, CLASS_NAMES);
  assert.equal(v.passes, false);
  assert.match(v.reasons[0], /^non-zero not higher beyond 2 standard errors/);
});

test("a class absent from the events (no standard error) does not block; a gain without one is not shown", () => {
  const x = gain();
  x.classAccuracy[4] = d(NaN, NaN);
  assert.equal(releaseVerdict(x, CLASS_NAMES).passes, true);
  x.trackShowerAccuracy = d(0.01, NaN);
  assert.equal(releaseVerdict(x, CLASS_NAMES).passes, false);
});

test("the variant asks only non-zero to rise; track/shower stays guarded", () => {
  const x = gain();
  x.trackShowerAccuracy = d(0.0001, 0.0001); // as session 46's candidates: +0.01 ± 0.01 points
  assert.equal(releaseVerdict(x, CLASS_NAMES).passes, false);
  assert.deepEqual(releaseVerdict(x, CLASS_NAMES, NON_ZERO_RULE), { passes: true, reasons: [] });
  x.trackShowerAccuracy = d(-0.0003, 0.0001);
  assert.deepEqual(releaseVerdict(x, CLASS_NAMES, NON_ZERO_RULE).reasons, ["track/shower lower beyond 2 standard errors (-0.03 ± 0.01 points)"]);
  x.trackShowerAccuracy = d(0.0001, 0.0001);
  x.nonzeroAccuracy = d(0.0003, 0.0002);
  assert.match(releaseVerdict(x, CLASS_NAMES, NON_ZERO_RULE).reasons[0], /^non-zero not higher/);
  // Non-zero is required under both rules: the variant relaxes track/shower only.
  assert.match(releaseVerdict(x, CLASS_NAMES).reasons[0], /^non-zero not higher/);
});

test("a stated trade: Michel must rise and non-zero may fall by less than its bound beyond two standard errors", () => {
  const terms = { mustRise: ["Michel"], mayFall: { "non-zero": 0.001 } };
  const x = gain();
  x.nonzeroAccuracy = d(-0.0004, 0.0001); // session 47's KO37 on the test images: -0.04 ± 0.01 points
  x.classAccuracy[4] = d(0.077, 0.02); // Michel +7.7 ± 2.0
  assert.deepEqual(releaseVerdict(x, CLASS_NAMES, terms), { passes: true, reasons: [] });
  assert.match(releaseVerdict(x, CLASS_NAMES).reasons.join(";"), /non-zero lower beyond 2/, "the card's rule refuses the same");
  x.nonzeroAccuracy = d(-0.0006, 0.00025); // -0.06 - 2 × 0.025 = -0.11: not shown within 0.10
  assert.deepEqual(releaseVerdict(x, CLASS_NAMES, terms).reasons,
    ["non-zero not shown to fall by less than 0.10 points beyond 2 standard errors (-0.06 ± 0.03 points)"]);
  x.nonzeroAccuracy = d(-0.0004, 0.0001);
  x.classAccuracy[4] = d(0.03, 0.02); // Michel up, not resolved
  assert.match(releaseVerdict(x, CLASS_NAMES, terms).reasons[0], /^Michel not higher beyond 2/);
  x.classAccuracy[4] = d(0.077, 0.02);
  x.classAccuracy[3] = d(-0.002, 0.0005); // delta stays guarded
  assert.match(releaseVerdict(x, CLASS_NAMES, terms).reasons[0], /^delta lower beyond 2/);
  x.classAccuracy[3] = d(0, 0.0005);
  x.trackShowerAccuracy = d(-0.0003, 0.0001); // and track/shower
  assert.match(releaseVerdict(x, CLASS_NAMES, terms).reasons[0], /^track\/shower lower beyond 2/);
});

test("session 53's terms: track/shower and delta must both rise; non-zero and Michel stay guarded", () => {
  const terms = { mustRise: ["track/shower", "delta"], mayFall: {} };
  // default-3d phase 32 against phase 31 on sim:3d:192@16000 (rule 65): non-zero level, HIP up and MIP down.
  const x: AccuracyDifference = {
    nonzeroAccuracy: d(0.000063, 0.000162), trackShowerAccuracy: d(0.000070, 0.000032),
    classAccuracy: [d(0.0221, 0.0007), d(-0.0122, 0.0004), d(0.0003, 0.0001), d(0.0050, 0.0004), d(0.0019, 0.0006)],
  };
  assert.deepEqual(releaseVerdict(x, CLASS_NAMES, terms), { passes: true, reasons: [] });
  assert.match(releaseVerdict(x, CLASS_NAMES, NON_ZERO_RULE).reasons[0], /^non-zero not higher/, "rule 63 refused it");
  x.trackShowerAccuracy = d(0.000060, 0.000032); // 1.9 standard errors: each named quantity must rise on its own
  assert.deepEqual(releaseVerdict(x, CLASS_NAMES, terms).reasons, ["track/shower not higher beyond 2 standard errors (+0.01 ± 0.00 points)"]);
  x.trackShowerAccuracy = d(0.000070, 0.000032);
  x.nonzeroAccuracy = d(-0.0005, 0.0002); // a level non-zero is allowed, a fall is not
  assert.match(releaseVerdict(x, CLASS_NAMES, terms).reasons[0], /^non-zero lower beyond 2/);
  x.nonzeroAccuracy = d(0.000063, 0.000162);
  x.classAccuracy[4] = d(-0.002, 0.0006); // nor a fall of Michel
  assert.match(releaseVerdict(x, CLASS_NAMES, terms).reasons[0], /^Michel lower beyond 2/);
});

test("terms that name nothing, ask nothing to rise, or ask a name to rise and let it fall are refused", () => {
  assert.throws(() => releaseVerdict(gain(), CLASS_NAMES, { mustRise: ["michel"], mayFall: {} }), /no quantity named michel/);
  assert.throws(() => releaseVerdict(gain(), CLASS_NAMES, { mustRise: [], mayFall: {} }), /nothing to rise/);
  assert.throws(() => releaseVerdict(gain(), CLASS_NAMES, { mustRise: ["Michel"], mayFall: { Michel: 0.01 } }), /cannot both/);
  assert.throws(() => releaseVerdict(gain(), CLASS_NAMES, { mustRise: ["Michel"], mayFall: { "non-zero": -1 } }), /bound of 0 or more/);
});

test("the command reads evaluate's JSON: a model against itself does not ship", () => {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), "release-rule-"));
  const json = execFileSync(process.execPath, [join(root, "bin/sparsessnet.js"), "evaluate", "--model", "default-3d",
    "--baseline", "default-3d", "--data", "sim:3d:192@4242", "--events", "3", "--json"], { encoding: "utf8" });
  const file = join(dir, "self.json");
  writeFileSync(file, json);
  const run = spawnSync(process.execPath, [join(root, "dist/bench/release-rule.js"), file], { encoding: "utf8" });
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, /non-zero accuracy \+0\.00 ± 0\.00/);
  assert.match(run.stdout, /fails: non-zero not higher beyond 2 standard errors/);
  assert.match(run.stdout, /does not ship/);
  const variant = spawnSync(process.execPath, [join(root, "dist/bench/release-rule.js"), "--must-rise", "non-zero", file], { encoding: "utf8" });
  assert.equal(variant.status, 1, variant.stderr);
  assert.match(variant.stdout, /fails: non-zero not higher beyond 2 standard errors[^;]*$/m, "track/shower is not required to rise");
  assert.match(variant.stdout, /does not ship \(terms: must rise: non-zero\)/);
  // A model against itself: Michel does not rise, non-zero's 0 ± 0 is within any bound.
  const trade = spawnSync(process.execPath, [join(root, "dist/bench/release-rule.js"), "--must-rise", "Michel", "--may-fall", "non-zero=0.10", file], { encoding: "utf8" });
  assert.equal(trade.status, 1, trade.stderr);
  assert.match(trade.stdout, /fails: Michel not higher beyond 2 standard errors \([^)]*\)$/m, "nothing else fails");
  assert.match(trade.stdout, /does not ship \(terms: must rise: Michel; non-zero may fall by less than 0\.10 points\)/);
  // A mistake in the command or its files exits 2, never 1 ("does not ship"), and names what is wrong.
  const bad = (...args: string[]) => spawnSync(process.execPath, [join(root, "dist/bench/release-rule.js"), ...args], { encoding: "utf8" });
  for (const [args, message] of [
    [["--must-rise", "track", file], /self\.json: no quantity named track \(one of non-zero, track\/shower, HIP/],
    [["--must-rise", "Michel", "--may-fall", "non-zero", file], /--may-fall non-zero: expected NAME=POINTS/],
    [["--bogus", file], /Unknown option '--bogus'/],
    [[join(dir, "missing.json")], /missing\.json: ENOENT/],
  ] as [string[], RegExp][]) {
    const r = bad(...args);
    assert.equal(r.status, 2, args.join(" "));
    assert.match(r.stderr, message);
    assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
  }
  rmSync(dir, { recursive: true });
});
