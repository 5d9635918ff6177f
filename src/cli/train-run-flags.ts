import { WEIGHTING_SCHEMES } from "../train/loss-weights.js";
import type { ModelConfig } from "../model/config.js";
import type { LossMix } from "../train/forward-backward.js";
import { DEFAULT_TRAINER_OPTIONS, type TrainerOptions } from "../train/trainer.js";
import type { Augmentation } from "../mirror-average.js";
import { integerOpt, numberList, numberOpt, positiveNumberOpt, UsageError } from "./args.js";
import { augmentFromFlag } from "./engine-flags.js";
import { smoothingFlag } from "./smoothing-flag.js";

type Values = Record<string, unknown>;

/** A flag that shapes a training run: how it is read, and the value a run's options hold for it
 *  (with the default a run started without the flag has), so that a resumed run can compare. */
interface CheckedFlag {
  flag: string;
  read: (v: unknown, dim: number) => unknown;
  held: (o: TrainerOptions) => unknown;
}

/** A flag that is an option of its own: `key` in the options, `absent` what a run without it has. */
interface RunFlag {
  flag: string;
  key: keyof TrainerOptions;
  read: (v: unknown, dim: number) => unknown;
  absent?: unknown;
}

function oneOf<T extends string>(flag: string, allowed: readonly T[]): (v: unknown) => T {
  return (v) => {
    if (!allowed.includes(v as T)) throw new UsageError(`--${flag} ${v}: use ${allowed.slice(0, -1).join(", ")} or ${allowed.at(-1)}`);
    return v as T;
  };
}

const RUN_FLAGS: RunFlag[] = [
  { flag: "seed", key: "seed", read: (v) => integerOpt("seed", v, 1) },
  { flag: "iterations", key: "iterations", read: (v) => integerOpt("iterations", v, 1, 1) },
  { flag: "batch", key: "batchSize", read: (v) => integerOpt("batch", v, 1, 1) },
  { flag: "weighting", key: "weighting", read: oneOf("weighting", WEIGHTING_SCHEMES) },
  { flag: "schedule", key: "schedule", read: oneOf("schedule", ["constant", "cosine"] as const) },
  { flag: "crop", key: "crop", read: (v, dim) => numberList("crop", v as string, [dim]) },
  { flag: "crop-centre", key: "cropCentre", read: oneOf("crop-centre", ["site", "class", "balanced"] as const), absent: "site" },
  { flag: "balanced-share", key: "balancedShare", read: (v) => numberOpt("balanced-share", v, 1, 0, 1), absent: 1 },
  { flag: "lr", key: "lr", read: (v) => positiveNumberOpt("lr", v, 1) },
  { flag: "weight-decay", key: "weightDecay", read: (v) => numberOpt("weight-decay", v, 0, 0) },
  { flag: "track-shower-loss", key: "trackShowerWeight", read: (v) => numberOpt("track-shower-loss", v, 0, 0), absent: 0 },
  { flag: "smooth", key: "lossSmoothing", read: readLossSmoothing },
];

function readLossSmoothing(v: unknown): LossMix {
  const mix = smoothingFlag(String(v));
  if (!mix) throw new UsageError("--smooth none: a run without the mix is a run without --smooth");
  return { radius: mix.radius, share: mix.share };
}

const readTeacherWeight = (v: unknown): number => numberOpt("teacher-weight", v, 0.5, 0, 1);
const readTeacherAugment = (v: unknown): Augmentation => augmentFromFlag(v);

/** The teacher's share of the target and its augmentation, as `--teacher-weight` / `--teacher-augment` give them. */
export function teacherFlags(values: Values): { weight: number; augment: Augmentation } {
  return { weight: readTeacherWeight(values["teacher-weight"]), augment: readTeacherAugment(values["teacher-augment"]) };
}

/** The teacher's flags: only a run with a teacher has them (a new run reads them with its teacher). */
const TEACHER_FLAGS: CheckedFlag[] = [
  { flag: "teacher-weight", read: readTeacherWeight, held: (o) => o.teacher?.weight },
  { flag: "teacher-augment", read: readTeacherAugment, held: (o) => o.teacher?.augment },
];

const CHECKED: CheckedFlag[] = [
  ...RUN_FLAGS.map((f) => ({ flag: f.flag, read: f.read, held: (o: TrainerOptions) => o[f.key] ?? f.absent })),
  ...TEACHER_FLAGS,
];

/** The options set by the run flags given (each read and checked); a flag not given sets nothing. */
export function runOptionsFromFlags(values: Values, dim: number): Partial<TrainerOptions> {
  const options: Record<string, unknown> = {};
  for (const f of RUN_FLAGS) if (values[f.flag] !== undefined) options[f.key] = f.read(values[f.flag], dim);
  return options as Partial<TrainerOptions>;
}

/** A new run's options: the defaults, with the flags given (and the teacher, if any) over them. */
export function newRunOptions(given: Partial<TrainerOptions>): TrainerOptions {
  return { ...DEFAULT_TRAINER_OPTIONS, seed: 1, iterations: 1000, cropCentre: "site", ...given };
}

/** A resumed run continues with its checkpoint's options, so the command that started it can be
 *  given again with --resume; a flag whose value differs from the checkpoint's is refused by name,
 *  not ignored (the run would not be the one the command asks for). */
export function checkResumeFlags(values: Values, config: ModelConfig, held: TrainerOptions, checkpoint: string): void {
  const dim = config.dim;
  for (const flag of ["dim", "filters", "depth"] as const) {
    if (values[flag] !== undefined && Number(values[flag]) !== config[flag]) {
      throw new UsageError(`--${flag} ${values[flag]}: ${checkpoint} is a model with ${flag} ${config[flag]}; resume without --${flag}, or start a new run`);
    }
  }
  for (const f of CHECKED) {
    if (values[f.flag] === undefined) continue;
    const asked = f.read(values[f.flag], dim);
    const has = f.held(held);
    if (has === undefined && TEACHER_FLAGS.includes(f)) {
      throw new UsageError(`--${f.flag}: ${checkpoint} belongs to a run without a teacher; start a new run with --init ${checkpoint}`);
    }
    if (JSON.stringify(asked) !== JSON.stringify(has)) {
      const why = f.flag === "iterations" ? ", and its learning-rate schedule depends on that plan" : "";
      throw new UsageError(`--${f.flag} ${values[f.flag]}: ${checkpoint} belongs to a run with --${f.flag} ${format(has)}${why}; `
        + `resume without --${f.flag} (the checkpoint has it), or start a new run with --init ${checkpoint}`);
    }
  }
}

/** A held value as its flag is written: lists and the mix ({radius, share}) comma-separated. */
function format(v: unknown): string {
  if (v === undefined) return "(none)";
  return Array.isArray(v) ? v.join(",") : typeof v === "object" && v !== null ? Object.values(v).join(",") : String(v);
}
