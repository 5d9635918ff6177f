// `train --resume` with the flags of the command that started the run: the checkpoint's options
// hold, so a flag given again must agree with them (session 55: rule 71's own command, with
// --balanced-share, was refused on resume although its value was the checkpoint's).
import assert from "node:assert/strict";
import { test } from "node:test";
import { UsageError } from "../src/cli/args.js";
import { checkResumeFlags, newRunOptions, runOptionsFromFlags } from "../src/cli/train-run-flags.js";
import { parseModelConfig } from "../src/model/config.js";

const config = parseModelConfig({ dim: 3, filters: 8, depth: 3 });
const command = {
  "seed": "60", "iterations": "2000", "batch": "48", "weighting": "sparsessnet+class-inverse", "schedule": "cosine", "lr": "6e-4",
  "crop": "192,192,192", "crop-centre": "balanced", "balanced-share": "0.5", "smooth": "3,0.3",
};
const held = newRunOptions(runOptionsFromFlags(command, 3));

test("the flags read into the options a new run starts with", () => {
  assert.deepEqual(
    { seed: held.seed, iterations: held.iterations, batchSize: held.batchSize, weighting: held.weighting, schedule: held.schedule, lr: held.lr, crop: held.crop, cropCentre: held.cropCentre, balancedShare: held.balancedShare, lossSmoothing: held.lossSmoothing },
    { seed: 60, iterations: 2000, batchSize: 48, weighting: "sparsessnet+class-inverse", schedule: "cosine", lr: 6e-4, crop: [192, 192, 192], cropCentre: "balanced", balancedShare: 0.5, lossSmoothing: { radius: 3, share: 0.3 } });
  assert.throws(() => runOptionsFromFlags({ "crop": "192,192" }, 3), UsageError);
  assert.throws(() => runOptionsFromFlags({ "balanced-share": "1.5" }, 3), /--balanced-share/);
  assert.throws(() => runOptionsFromFlags({ "schedule": "linear" }, 3), /--schedule linear: use constant or cosine/);
});

test("a resumed run accepts its own command and refuses, by name, any flag whose value differs", () => {
  assert.doesNotThrow(() => checkResumeFlags({ ...command, dim: "3", filters: "8", depth: "3" }, config, held, "ck/c.safetensors"));
  assert.doesNotThrow(() => checkResumeFlags({ "lr": "0.0006", "crop": "192,192,192" }, config, held, "ck/c.safetensors"), "the same values written otherwise");
  assert.doesNotThrow(() => checkResumeFlags({}, config, held, "ck/c.safetensors"), "no flags at all");
  const refused: [Record<string, string>, RegExp][] = [
    [{ "balanced-share": "1" }, /--balanced-share 1: ck\/c\.safetensors belongs to a run with --balanced-share 0\.5; resume without --balanced-share/],
    [{ "lr": "1e-3" }, /--lr 1e-3: .* with --lr 0\.0006/],
    [{ "crop": "128,128,128" }, /--crop 128,128,128: .* with --crop 192,192,192/],
    [{ "seed": "61" }, /--seed 61: .* with --seed 60/],
    [{ "track-shower-loss": "0.5" }, /--track-shower-loss 0\.5: .* with --track-shower-loss 0/],
    [{ "smooth": "3,0.5" }, /--smooth 3,0\.5: .* with --smooth 3,0\.3/],
    [{ "smooth": "none" }, /--smooth none: a run without the mix is a run without --smooth/],
    [{ "iterations": "3000" }, /--iterations 3000: .* with --iterations 2000, and its learning-rate schedule depends on that plan/],
    [{ "teacher-weight": "0.5" }, /--teacher-weight: .* belongs to a run without a teacher/],
    [{ "depth": "5" }, /--depth 5: .* is a model with depth 3/],
  ];
  for (const [flags, message] of refused) assert.throws(() => checkResumeFlags(flags, config, held, "ck/c.safetensors"), message);
});
