// The shipped models give, bit for bit, the held-out results their card records in models/<name>-eval.json.
// Fails when a model file is replaced without its card's numbers, when the simulation of the test stream changes,
// or when the engine's arithmetic moves a single site's label (the determinism contract makes any such change
// visible: every accuracy below is a ratio of integer counts, compared exactly).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { runCli } from "./support/cli.js";
import { PROJECT_ROOT } from "./support/paths.js";

for (const name of ["default-2d", "default-3d"]) {
  test(`${name} reproduces its card's held-out evaluation (models/${name}-eval.json)`, () => {
    const recorded = JSON.parse(readFileSync(join(PROJECT_ROOT, "models", `${name}-eval.json`), "utf8"));
    const r = runCli("evaluate", "--model", name, "--data", recorded.data, "--events", String(recorded.events), "--json");
    assert.equal(r.status, 0, r.stderr);
    const now = JSON.parse(r.stdout);
    // Everything but the time per event, which is a measurement.
    const { msPerEvent: _a, ...expected } = recorded;
    const { msPerEvent: _b, ...actual } = now;
    assert.deepEqual(actual, expected);
  });
}
