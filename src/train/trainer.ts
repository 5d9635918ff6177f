// The training loop: batches drawn deterministically from a data source, optional crops, loss
// weights, one forward/backward pass on the wasm kernels, running statistics, Adam. Everything that
// decides an iteration (which events, which crops) is a pure function of (seed, iteration), so a run
// resumed from a checkpoint continues exactly as the uninterrupted run would.

import { cropAround, makeBatch } from "../data/batch.js";
import { IGNORE_LABEL, N_CLASSES, type LabelledEvent } from "../data/labelled-event.js";
import type { KernelExports } from "../backend/wasm/module.js";
import type { ParallelKernels } from "../backend/wasm/parallel-kernels.js";
import { InvalidInputError, InvalidWeightsError } from "../errors.js";
import { parseModelConfig, type ModelConfig } from "../model/config.js";
import { rng } from "../weights/random-init.js";
import { parseSafetensors, serializeSafetensors, typed, type Tensor } from "../weights/safetensors.js";
import type { WeightTensors } from "../weights/scn.js";
import { Adam, updateRunningStats } from "./adam.js";
import { AdamKernel } from "./adam-kernel.js";
import { ForwardBackward, type LossMix } from "./forward-backward.js";
import { lossWeights, type WeightingScheme } from "./loss-weights.js";
import type { Augmentation } from "../mirror-average.js";

/** Where training events come from: event(i) for i = 0, 1, ... (count undefined = endless). */
export interface TrainingSource {
  count?: number;
  event(i: number): LabelledEvent;
  describe: string;
}

export interface TrainerOptions {
  seed: number;
  batchSize: number;
  /** Crop every event to this size around a random site (e.g. [512, 512] for 2D images). */
  crop?: number[];
  /** Where crops are centred: "site" (default), a random site; "class", a random site of a class
   *  drawn uniformly among the classes present, so rare classes (HIP, Michel, delta near the
   *  vertex of a 2D image full of cosmic muons) are seen far more often; "balanced", a random site
   *  of a class drawn uniformly among all five, from the latest event of the stream (this slot's or
   *  up to BALANCED_LOOKBACK slots back) that has it, so that a class present in few events
   *  (Michel electrons: one 2D image in six) is still the centre of a fifth of the crops. */
  cropCentre?: "site" | "class" | "balanced";
  /** Under "balanced", the share of a batch's slots chosen by class (default 1: all of them); each
   *  other slot keeps the stream's own event, cropped around a random site, so that a run can see
   *  the rare classes more often without giving up the stream's own mix (3D, session 54: all slots
   *  chosen by class traded delta for Michel). Which slots are chosen follows from (seed, t, j). */
  balancedShare?: number;
  /** Crops with fewer labelled sites are drawn again (up to 8 tries). */
  minCropSites?: number;
  weighting: WeightingScheme;
  lr: number;
  weightDecay: number;
  /** "constant" or "cosine" (decays to lr/20 over `iterations`). */
  schedule: "constant" | "cosine";
  iterations: number;
  bnMomentum: number;
  /** Distillation: a teacher model's class probabilities make up `weight` of every row's target. */
  teacher?: TeacherSpec;
  /** Weight of the track/shower term of the loss (weightedSoftmaxLoss): each site also pays this
   *  times the cross-entropy of the two groups, track (HIP, MIP) and shower (the rest). Default 0. */
  trackShowerWeight?: number;
  /** The loss on the scores mixed over neighbours, as a model with this smoothing decides on them
   *  (mixed-loss.ts); the model the run writes has that mix, its constants at 0. */
  lossSmoothing?: LossMix;
}

/** Which teacher a run distils from: the model as named, its file's SHA-256 (a resumed run checks
 *  that it has the same teacher), whether its probabilities are averaged over the event's mirror
 *  images, and the share of the target they make up (the label makes up the rest). */
export interface TeacherSpec { model: string; sha256: string; augment: Augmentation; weight: number }

/** The teacher's class probabilities for the rows of one (cropped) event, [rows, classes]. */
export type TeacherScores = (ev: LabelledEvent) => Float32Array;

/** How far back along the stream a balanced crop looks for an event with its class: with Michel
 *  electrons in one 2D image in six, 64 events miss one with probability 1e-5. */
export const BALANCED_LOOKBACK = 64;

export const DEFAULT_TRAINER_OPTIONS: Omit<TrainerOptions, "seed" | "iterations"> = {
  batchSize: 4, weighting: "sparsessnet", lr: 1e-3, weightDecay: 0, schedule: "constant", bnMomentum: 0.99, minCropSites: 50,
};

export interface StepResult {
  iteration: number;
  loss: number;
  /** Non-zero accuracy of the batch (train-mode predictions; through the mix, for a run with one). */
  accuracy: number;
  sites: number;
  ms: number;
}

export class Trainer {
  readonly fb: ForwardBackward;
  readonly adam: Adam;
  iteration = 0;
  readonly history: StepResult[] = [];
  /** Runs the teacher of options.teacher (set by whoever loaded it: the trainer knows no files). */
  teacherScores?: TeacherScores;

  /** `parallel`: threads for the heavier kernels (see ForwardBackward); the same bits either way. */
  constructor(k: KernelExports, readonly config: ModelConfig, readonly options: TrainerOptions, readonly params: WeightTensors, parallel?: ParallelKernels) {
    this.fb = new ForwardBackward(k, config, parallel);
    const { lr, iterations } = options;
    this.adam = new Adam({
      lr, weightDecay: options.weightDecay,
      schedule: options.schedule === "cosine" ? (t) => lr / 20 + (lr - lr / 20) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, t / iterations))) : undefined,
    }, new AdamKernel(k, this.fb.arena));
  }

  /** Which event of the source fills slot j of iteration t: an endless source is read in order; a
   *  finite one in a seeded permutation per epoch. */
  eventIndex(source: TrainingSource, t: number, j: number): number {
    const i = t * this.options.batchSize + j;
    if (source.count === undefined) return i;
    if (source.count < 1) throw new InvalidInputError(`training source ${source.describe} has no events`);
    const epoch = Math.floor(i / source.count);
    return epochPermutation(source.count, this.options.seed, epoch)[i % source.count];
  }

  /** The indices of the events iteration t starts from (balanced crops may also look back along
   *  the stream at events already read), so that they can be read ahead. */
  batchIndices(source: TrainingSource, t: number): number[] {
    return Array.from({ length: this.options.batchSize }, (_, j) => this.eventIndex(source, t, j));
  }

  /** The batch of iteration t (deterministic). */
  batchEvents(source: TrainingSource, t: number): LabelledEvent[] {
    const out: LabelledEvent[] = [];
    for (let j = 0; j < this.options.batchSize; j++) {
      if (this.options.crop && this.options.cropCentre === "balanced" && this.chosenByClass(t, j)) {
        const { ev, rows } = this.balancedEvent(source, t, j);
        out.push(this.crop(ev, t, j, rows));
        continue;
      }
      let ev = this.sourceEvent(source, this.eventIndex(source, t, j));
      if (this.options.crop) ev = this.crop(ev, t, j);
      out.push(ev);
    }
    return out;
  }

  private sourceEvent(source: TrainingSource, i: number): LabelledEvent {
    const ev = source.event(i);
    if (ev.tensor.dim !== this.config.dim) throw new InvalidInputError(`event ${ev.index} of ${source.describe} is ${ev.tensor.dim}D; the model is ${this.config.dim}D`);
    return ev;
  }

  /** Events read for balanced crops, by index, so that looking back along the stream does not
   *  generate or read an event again. Only a cache: what a slot gets depends on (seed, t, j) and
   *  the events alone, so a resumed run (empty cache) continues exactly. */
  private readonly recent = new Map<number, { ev: LabelledEvent; byLabel: number[][] }>();

  /** Whether slot j of iteration t is chosen by class under "balanced" (`balancedShare`). A share of 1
   *  draws nothing, so such runs keep the bits they had before the option existed. */
  private chosenByClass(t: number, j: number): boolean {
    const share = this.options.balancedShare ?? 1;
    if (share >= 1) return true;
    return rng(hash3(this.options.seed ^ 0x5ba7e0d1, t, j))() < share;
  }

  /** Slot j of iteration t under "balanced": draw a class uniformly among all N_CLASSES, then take
   *  the latest event of the stream, from this slot's back, that has a site of it; the rows of that
   *  class are the crop centres. Falls back to this slot's event and its classes present when none
   *  of the last BALANCED_LOOKBACK events has the class (a class the data lacks). */
  private balancedEvent(source: TrainingSource, t: number, j: number): { ev: LabelledEvent; rows: number[] } {
    const B = this.options.batchSize;
    const u = rng(hash3(this.options.seed ^ 0xba1a9ced, t, j));
    const cls = Math.floor(u() * N_CLASSES);
    const slot = t * B + j;
    let own: { ev: LabelledEvent; byLabel: number[][] } | undefined;
    for (let back = 0; back < BALANCED_LOOKBACK && slot - back >= 0; back++) {
      const s = slot - back;
      const i = this.eventIndex(source, Math.floor(s / B), s % B);
      let entry = this.recent.get(i);
      if (!entry) {
        const ev = this.sourceEvent(source, i);
        entry = { ev, byLabel: ev.labels ? rowsByLabel(ev.labels) : [] };
        this.recent.set(i, entry);
        // Keep what the next slots look back at: the last BALANCED_LOOKBACK + B events read.
        if (this.recent.size > BALANCED_LOOKBACK + B) this.recent.delete(this.recent.keys().next().value!);
      }
      own ??= entry;
      if (entry.byLabel[cls]?.length) return { ev: entry.ev, rows: entry.byLabel[cls] };
    }
    const present = own!.byLabel.filter((r) => r.length > 0);
    return { ev: own!.ev, rows: present.length ? present[Math.floor(u() * present.length)] : [] };
  }

  /** A crop of ev around a random site, or of the given centre rows when there are any. */
  private crop(ev: LabelledEvent, t: number, j: number, centres?: number[]): LabelledEvent {
    const n = ev.tensor.coords.length / ev.tensor.dim;
    if (n === 0) return cropAround({ ...ev, tensor: { ...ev.tensor, coords: new Int32Array(ev.tensor.dim) } }, 0, this.options.crop!);
    const u = rng(hash3(this.options.seed, t, j));
    let best: LabelledEvent | undefined;
    const byClass = this.options.cropCentre === "class" && ev.labels ? rowsByLabel(ev.labels).filter((r) => r.length > 0) : undefined;
    for (let attempt = 0; attempt < 8; attempt++) {
      let row = Math.floor(u() * n);
      if (centres?.length) {
        row = centres[Math.floor(u() * centres.length)];
      } else if (byClass && byClass.length) {
        const rows = byClass[Math.floor(u() * byClass.length)];
        row = rows[Math.floor(u() * rows.length)];
      }
      const c = cropAround(ev, row, this.options.crop!);
      if (!best || c.tensor.coords.length > best.tensor.coords.length) best = c;
      if (c.tensor.coords.length / c.tensor.dim >= (this.options.minCropSites ?? 0)) return c;
    }
    return best!;
  }

  /** One iteration: forward, backward, running statistics, Adam. `waitedMs`: what the caller
   *  waited before it for this iteration's events, counted in the iteration's time. */
  step(source: TrainingSource, waitedMs = 0): StepResult {
    // An iteration's time includes what the caller waited for its events (a prefetch worker).
    const t0 = performance.now() - waitedMs;
    const events = this.batchEvents(source, this.iteration);
    const batch = makeBatch(events, events.map((e) => lossWeights(e, this.options.weighting)));
    if (!(batch.weights.reduce((a, b) => a + b, 0) > 0)) {
      // Nothing labelled in this batch (tiny or empty events): no update, the run goes on.
      const res: StepResult = { iteration: this.iteration, loss: NaN, accuracy: NaN, sites: 0, ms: performance.now() - t0 };
      this.iteration++;
      this.history.push(res);
      return res;
    }
    const labels = Int32Array.from(batch.labels, (l) => (l === IGNORE_LABEL ? 0 : l));
    const r = this.fb.run(this.params, batch.tensor, labels, batch.weights, { taps: false, soft: this.softTargets(events, batch.offsets), trackShowerWeight: this.options.trackShowerWeight, mix: this.options.lossSmoothing });
    updateRunningStats(this.params, r.batchStats, this.options.bnMomentum);
    this.adam.apply(new Map([...this.params].filter(([name]) => r.grads.has(name))), r.grads);
    let sites = 0, correct = 0;
    const C = this.config.classes;
    for (let i = 0; i < batch.labels.length; i++) {
      if (batch.labels[i] >= N_CLASSES) continue;
      let best = 0;
      for (let c = 1; c < C; c++) if (r.decision[i * C + c] > r.decision[i * C + best]) best = c;
      sites++;
      if (best === batch.labels[i]) correct++;
    }
    const res: StepResult = { iteration: this.iteration, loss: r.loss, accuracy: sites ? correct / sites : NaN, sites, ms: performance.now() - t0 };
    this.iteration++;
    this.history.push(res);
    return res;
  }

  /** The teacher's probabilities for the batch's rows (events in batch order), if the run has one. */
  private softTargets(events: LabelledEvent[], offsets: number[]): { probabilities: Float32Array; weight: number } | undefined {
    const spec = this.options.teacher;
    if (!spec) return undefined;
    if (!this.teacherScores) throw new InvalidInputError(`this run distils from ${spec.model}, which was not loaded`);
    const C = this.config.classes, probabilities = new Float32Array(offsets[offsets.length - 1] * C);
    events.forEach((ev, b) => {
      const q = this.teacherScores!(ev);
      if (q.length !== (offsets[b + 1] - offsets[b]) * C) throw new InvalidInputError(`teacher ${spec.model}: ${q.length} probabilities for the ${offsets[b + 1] - offsets[b]} rows of event ${ev.index}`);
      probabilities.set(q, offsets[b] * C);
    });
    return { probabilities, weight: spec.weight };
  }

  /** Weights, optimiser moments and the loop's state in one safetensors file (metadata: JSON). */
  checkpoint(): Uint8Array {
    const tensors = new Map<string, Tensor>();
    for (const [name, t] of this.params) tensors.set(`param/${name}`, { dtype: "F32", shape: t.shape, data: t.data });
    const s = this.adam.state();
    for (const [name, m] of s.m) tensors.set(`adam.m/${name}`, { dtype: "F64", shape: [m.length], data: m });
    for (const [name, v] of s.v) tensors.set(`adam.v/${name}`, { dtype: "F64", shape: [v.length], data: v });
    return serializeSafetensors(tensors, {
      format: "sparsessnet-checkpoint",
      config: JSON.stringify(this.config),
      options: JSON.stringify(this.options),
      iteration: String(this.iteration),
      adamStep: String(s.step),
      history: JSON.stringify(this.history),
    });
  }

  static fromCheckpoint(k: KernelExports, bytes: Uint8Array, what = "checkpoint", parallel?: ParallelKernels): Trainer {
    const f = parseSafetensors(bytes, what);
    if (f.metadata.format !== "sparsessnet-checkpoint") throw new InvalidWeightsError(`${what} is not a sparsessnet checkpoint (format "${f.metadata.format}")`);
    const config = parseModelConfig(JSON.parse(f.metadata.config));
    const options = JSON.parse(f.metadata.options) as TrainerOptions;
    const params: WeightTensors = new Map();
    const m = new Map<string, Float64Array>(), v = new Map<string, Float64Array>();
    for (const [key, raw] of f.tensors) {
      const [kind, name] = [key.slice(0, key.indexOf("/")), key.slice(key.indexOf("/") + 1)];
      if (kind === "param") params.set(name, { shape: raw.shape, data: Float32Array.from(typed(raw, key, ["F32"]).data as Float32Array) });
      else if (kind === "adam.m") m.set(name, Float64Array.from(typed(raw, key, ["F64"]).data as Float64Array));
      else if (kind === "adam.v") v.set(name, Float64Array.from(typed(raw, key, ["F64"]).data as Float64Array));
      else throw new InvalidWeightsError(`${what}: unexpected tensor "${key}"`);
    }
    const tr = new Trainer(k, config, options, params, parallel);
    tr.adam.restore({ step: Number(f.metadata.adamStep), m, v });
    tr.iteration = Number(f.metadata.iteration);
    tr.history.push(...(JSON.parse(f.metadata.history) as StepResult[]));
    return tr;
  }
}

function hash3(a: number, b: number, c: number): number {
  let h = 0x811c9dc5;
  for (const x of [a, b, c]) {
    h = Math.imul(h ^ (x >>> 0), 0x01000193) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  }
  return h;
}

const permCache = new Map<string, Int32Array>();
/** A seeded Fisher-Yates permutation of 0..n-1 for one epoch. */
export function epochPermutation(n: number, seed: number, epoch: number): Int32Array {
  const key = `${n}:${seed}:${epoch}`;
  let p = permCache.get(key);
  if (!p) {
    const u = rng(hash3(seed, epoch, 0x5eed));
    p = Int32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) { const j = Math.floor(u() * (i + 1)); const t = p[i]; p[i] = p[j]; p[j] = t; }
    if (permCache.size > 4) permCache.clear();
    permCache.set(key, p);
  }
  return p;
}

/** The rows of each class, indexed by class (IGNORE_LABEL and other out-of-range labels left out). */
function rowsByLabel(labels: Uint8Array): number[][] {
  const rows: number[][] = Array.from({ length: N_CLASSES }, () => []);
  labels.forEach((l, r) => { if (l < N_CLASSES) rows[l].push(r); });
  return rows;
}
