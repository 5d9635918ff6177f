import { WEIGHTING_SCHEMES, type WeightingScheme } from "../train/loss-weights.js";
import type { ModelConfig } from "../model/config.js";
import type { TrainerOptions } from "../train/trainer.js";
import { integerOpt, numberList, numberOpt, positiveNumberOpt, UsageError } from "./args.js";
import { augmentFromFlag } from "./engine-flags.js";

type Values = Record<string, unknown>;

/** A flag that shapes a training run: how it is read, and the value a run's options hold for it
 *  (with the default a run started without the flag has), so that a resumed run can compare. */
interface CheckedFlag {
  flag: string;
  read: (v: unknown, dim: number) => unknown;
  held: (o: TrainerOptions) => unknown;
}

/** ...and, for the flags that are options of their own, where a new run's options take it. */
interface RunFlag extends CheckedFlag {
  set: (o: Partial<TrainerOptions>, v: unknown) => void;
}

const RUN_FLAGS: RunFlag[] = [
  { flag: "seed", read: (v) => integerOpt("seed", v, 1), held: (o) => o.seed, set: (o, v) => { o.seed = v as number; } },
  { flag: "iterations", read: (v) => integerOpt("iterations", v, 1, 1), held: (o) => o.iterations, set: (o, v) => { o.iterations = v as number; } },
  { flag: "batch", read: (v) => integerOpt("batch", v, 1, 1), held: (o) => o.batchSize, set: (o, v) => { o.batchSize = v as number; } },
  {
    flag: "weighting", held: (o) => o.weighting, set: (o, v) => { o.weighting = v as WeightingScheme; },
    read: (v) => {
      if (!WEIGHTING_SCHEMES.includes(v as WeightingScheme)) throw new UsageError(`--weighting ${v}: use ${WEIGHTING_SCHEMES.join(", ")}`);
      return v;
    },
  },
  {
    flag: "schedule", held: (o) => o.schedule, set: (o, v) => { o.schedule = v as TrainerOptions["schedule"]; },
    read: (v) => {
      if (v !== "constant" && v !== "cosine") throw new UsageError(`--schedule ${v}: use constant or cosine`);
      return v;
    },
  },
  { flag: "crop", read: (v, dim) => numberList("crop", v as string, [dim]), held: (o) => o.crop, set: (o, v) => { o.crop = v as number[]; } },
  {
    flag: "crop-centre", held: (o) => o.cropCentre ?? "site", set: (o, v) => { o.cropCentre = v as TrainerOptions["cropCentre"]; },
    read: (v) => {
      if (v !== "site" && v !== "class" && v !== "balanced") throw new UsageError(`--crop-centre ${v}: use site, class or balanced`);
      return v;
    },
  },
  { flag: "balanced-share", read: (v) => numberOpt("balanced-share", v, 1, 0, 1), held: (o) => o.balancedShare ?? 1, set: (o, v) => { o.balancedShare = v as number; } },
  { flag: "lr", read: (v) => positiveNumberOpt("lr", v, 1), held: (o) => o.lr, set: (o, v) => { o.lr = v as number; } },
  { flag: "weight-decay", read: (v) => numberOpt("weight-decay", v, 0, 0), held: (o) => o.weightDecay, set: (o, v) => { o.weightDecay = v as number; } },
  { flag: "track-shower-loss", read: (v) => numberOpt("track-shower-loss", v, 0, 0), held: (o) => o.trackShowerWeight ?? 0, set: (o, v) => { o.trackShowerWeight = v as number; } },
];

/** The teacher's flags: only a run with a teacher has them (a new run reads them with its teacher). */
const TEACHER_FLAGS: CheckedFlag[] = [
  { flag: "teacher-weight", read: (v) => numberOpt("teacher-weight", v, 0.5, 0, 1), held: (o) => o.teacher?.weight },
  { flag: "teacher-augment", read: (v) => augmentFromFlag(v), held: (o) => o.teacher?.augment },
];

/** The options set by the run flags given (each read and checked); a flag not given sets nothing. */
export function runOptionsFromFlags(values: Values, dim: number): Partial<TrainerOptions> {
  const options: Partial<TrainerOptions> = {};
  for (const f of RUN_FLAGS) if (values[f.flag] !== undefined) f.set(options, f.read(values[f.flag], dim));
  return options;
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
  for (const f of [...RUN_FLAGS, ...TEACHER_FLAGS]) {
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

function format(v: unknown): string {
  return Array.isArray(v) ? v.join(",") : v === undefined ? "(none)" : String(v);
}
