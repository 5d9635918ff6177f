// The teacher of a distillation run (`sparsessnet train --teacher M`): model M in an inference
// engine of its own (its own wasm instance, so that it shares no memory with the training arena),
// giving the trainer its class probabilities per row of each training event, optionally averaged
// over the event's mirror images. The spec names the model and its file's SHA-256, so that a run
// resumed from a checkpoint can check that it is given the same teacher.

import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { Engine } from "../engine.js";
import { InvalidConfigError } from "../errors.js";
import { segmentAugmented, type Augmentation } from "../mirror-average.js";
import type { ModelConfig } from "../model/config.js";
import type { TeacherScores, TeacherSpec } from "../train/trainer.js";
import { loadModelInto, modelPath } from "./model-io.js";
import { createThreadedEngine } from "./threads.js";

export interface LoadedTeacher { spec: TeacherSpec; scores: TeacherScores; close(): Promise<void> }

/** SHA-256 (hex) of a model's file, by built-in name or path. */
export function modelSha256(nameOrPath: string): string {
  return createHash("sha256").update(readFileSync(modelPath(nameOrPath))).digest("hex");
}

/** Loads `model` as the teacher of a student with config `student`. `expected`: the spec of the
 *  run being resumed, whose teacher file must be the same bytes (a path may have moved). */
export async function loadTeacher(model: string, augment: Augmentation, weight: number, student: ModelConfig, threads: number, expected?: TeacherSpec): Promise<LoadedTeacher> {
  const sha256 = modelSha256(model);
  if (expected && expected.sha256 !== sha256) {
    throw new InvalidConfigError(`teacher ${model} (SHA-256 ${sha256.slice(0, 12)}...) is not the teacher this run was started with, ${expected.model} (${expected.sha256.slice(0, 12)}...)`);
  }
  const threaded = threads > 1 ? await createThreadedEngine(threads) : undefined;
  const engine = threaded ? threaded.engine : await Engine.create({ backend: "wasm" });
  const m = loadModelInto(engine, model);
  if (m.config.dim !== student.dim || m.config.classes !== student.classes || m.config.inputChannels !== student.inputChannels) {
    await threaded?.close();
    throw new InvalidConfigError(`teacher ${model} is a ${m.config.dim}D model with ${m.config.inputChannels} input channel(s) and ${m.config.classes} classes; the student is ${student.dim}D with ${student.inputChannels} and ${student.classes}`);
  }
  return {
    spec: { model, sha256, augment, weight },
    scores: (ev) => segmentAugmented((t) => engine.run(m, t), ev.tensor, augment).scores,
    close: async () => { await threaded?.close(); },
  };
}
