// Post-hoc class biases (logit adjustment): a constant added to each class's logit, fitted on
// labelled events, moves a trained model along the trade between its classes without training.
// Loss weightings shift the classes' priors: SparseSSNet's (inverse cluster size) favours the
// classes of small clusters, class-inverse weighting the rare classes. A bias per class undoes
// part of that. The fit maximises non-zero accuracy while the accuracies the user keeps
// (track/shower always, and chosen classes) stay at least where they were on the same sites.
// Adding the biases to the final Linear layer's bias gives a model file that needs nothing new
// to run.

import { CLASS_NAMES, N_CLASSES, trackShowerOf } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";

/** One event's labelled sites: logits [sites * N_CLASSES] and true classes [sites]. */
export interface LabelledLogits { logits: Float32Array; labels: Uint8Array }

/** Sites right in total, for track/shower, and per true class (with the sites per class). */
export interface BiasCounts { sites: number; right: number; trackShowerRight: number; classRight: number[]; classSites: number[] }

/** Steps of the coordinate search, coarse to fine (multiples of 1/16: exact in f32). */
const STEPS = [1, 0.5, 0.25, 0.125, 0.0625];

/** No sites counted yet. */
export function emptyCounts(): BiasCounts {
  return { sites: 0, right: 0, trackShowerRight: 0, classRight: new Array<number>(N_CLASSES).fill(0), classSites: new Array<number>(N_CLASSES).fill(0) };
}

/** Counts one site of true class `y` labelled `p` into `c`: the one tally of both counters below. */
function tally(c: BiasCounts, y: number, p: number): void {
  c.sites++; c.classSites[y]++;
  if (p === y) { c.right++; c.classRight[y]++; }
  if (trackShowerOf(p) === trackShowerOf(y)) c.trackShowerRight++;
}

/** Counts with `biases` added to every site's logits (argmax, first class on ties, as the engine). */
export function countWithBiases(events: LabelledLogits[], biases: readonly number[]): BiasCounts {
  const counts = emptyCounts();
  for (const { logits, labels } of events) {
    for (let i = 0; i < labels.length; i++) {
      let best = 0, top = logits[i * N_CLASSES] + biases[0];
      for (let c = 1; c < N_CLASSES; c++) {
        const v = logits[i * N_CLASSES + c] + biases[c];
        if (v > top) { top = v; best = c; }
      }
      tally(counts, labels[i], best);
    }
  }
  return counts;
}

/** Adds to `into` the counts of a model's own labels (`predicted`, per site) against the true ones;
 *  sites labelled beyond the classes (IGNORE_LABEL) are left out. What a floor model reaches, whatever
 *  its decision stage (argmax of the logits, or of scores mixed over neighbours). */
export function countLabels(truth: Uint8Array, predicted: Uint8Array, into: BiasCounts = emptyCounts()): BiasCounts {
  if (truth.length !== predicted.length) throw new InvalidInputError(`${predicted.length} predicted labels for ${truth.length} true labels`);
  truth.forEach((y, i) => { if (y < N_CLASSES) tally(into, y, predicted[i]); });
  return into;
}

/** The counts that the kept accuracies must reach: track/shower, and per class. */
export type BiasFloor = Pick<BiasCounts, "trackShowerRight" | "classRight">;

/** What the fit must keep beyond the unadjusted counts of `keep` (fitClassBiases explains each). */
export interface FitOptions {
  /** Counts the kept accuracies must reach instead of the unadjusted ones (another model's, say). */
  floor?: BiasFloor;
  /** Sites added to the track/shower target (negative: slack below it). */
  trackShowerMargin?: number;
  /** Classes kept at the higher of the floor and their unadjusted counts. */
  keepOwn?: readonly number[];
  /** Sites added to each kept class's target, indexed by class (0 for the others). */
  keepMargin?: readonly number[];
}

/** Fits the biases by a pattern search from zero. A move changes one class's bias, or two classes'
 *  at once (a lone move is often blocked by the kept accuracies where a pair is not: raising HIP
 *  takes sites from shower too, unless shower rises with it), by each step size coarse to fine and
 *  each sign. The kept counts (track/shower and every class in `keep`) must reach `floor`: by
 *  default the unadjusted counts, so that they never fall; or another model's counts on the same
 *  sites (`calibrate --floor`), which the unadjusted model may be short of. A move is taken when it
 *  lowers the shortfall below the floor (summed over the kept counts), or keeps it and raises the
 *  number of sites right; so the search first closes the shortfall, then raises accuracy where it
 *  stays closed. With the default floor the shortfall is zero from the start and only the second
 *  kind of move exists. `trackShowerMargin` (sites) raises the track/shower floor by that much: the
 *  search otherwise spends any track/shower above the floor on non-zero accuracy, so a candidate
 *  that must gain both (models/README.md, the release rule) would end with track/shower at its
 *  floor. A negative margin lets track/shower end that many sites below its floor: the stated price
 *  of a class kept above the floor file's (session 48: phase 37's weights could not keep their Michel
 *  electrons and phase 37's track/shower too, 243 sites short of 11.7 million). `keepOwn` classes are
 *  kept too, at the higher of the floor and their unadjusted counts: a floor from a file whose
 *  constants spent a rare class (default-2d's Michel, session 47) would otherwise let the fit spend
 *  this model's better accuracy on that class down to the file's.
 *  `keepMargin` (sites, per class) raises a kept class's target the same way: session 50's soup G4
 *  kept its Michel electrons 0.06 points above the floor on the 1,000 images it was fitted on and lost
 *  1.2 points on fresh ones (models/training-logs/session50-rules.md, rule 56); a margin asks the fit
 *  for a lead that the noise of 150-odd electrons does not undo.
 *  `fixed`'s bias stays 0 (only differences matter). Sweeps until none is taken.
 *  Deterministic: a fixed order of moves. */
export function fitClassBiases(events: LabelledLogits[], keep: readonly number[], fixed: number, options: FitOptions = {}):
    { biases: number[]; before: BiasCounts; after: BiasCounts; shortfall: number; target: BiasFloor; kept: number[] } {
  const { floor, trackShowerMargin = 0, keepOwn = [], keepMargin = new Array<number>(N_CLASSES).fill(0) } = options;
  if (!Number.isInteger(trackShowerMargin)) throw new InvalidInputError(`track/shower margin ${trackShowerMargin}: expected a whole number of sites`);
  if (keepMargin.length !== N_CLASSES) throw new InvalidInputError(`${keepMargin.length} class margins for ${N_CLASSES} classes`);
  keepMargin.forEach((m, k) => {
    if (!Number.isInteger(m)) throw new InvalidInputError(`${CLASS_NAMES[k]} margin ${m}: expected a whole number of sites`);
    if (m !== 0 && !keep.includes(k) && !keepOwn.includes(k)) throw new InvalidInputError(`${CLASS_NAMES[k]} has a margin but is not kept (a margin raises a kept class's target)`);
  });
  for (const e of events) {
    if (e.logits.length !== e.labels.length * N_CLASSES) throw new InvalidInputError(`${e.logits.length} logits for ${e.labels.length} sites of ${N_CLASSES} classes`);
    for (const y of e.labels) if (y >= N_CLASSES) throw new InvalidInputError(`label ${y} is not a class (only labelled sites are fitted)`);
  }
  let biases = new Array<number>(N_CLASSES).fill(0);
  const before = countWithBiases(events, biases);
  if (before.sites === 0) throw new InvalidInputError("no labelled sites to fit the class biases on");
  // The counts the kept accuracies must reach: the floor (or the unadjusted counts), the margin on top.
  const base = floor ?? before;
  const target: BiasFloor = {
    trackShowerRight: base.trackShowerRight + trackShowerMargin,
    classRight: base.classRight.map((r, k) => (keepOwn.includes(k) ? Math.max(r, before.classRight[k]) : r) + keepMargin[k]),
  };
  const kept = [...new Set([...keep, ...keepOwn])];
  const shortfall = (c: BiasCounts) => Math.max(0, target.trackShowerRight - c.trackShowerRight) +
    kept.reduce((sum, k) => sum + Math.max(0, target.classRight[k] - c.classRight[k]), 0);
  // Every move is a full vector of N_CLASSES offsets with `fixed`'s always 0.
  const free = [...Array(N_CLASSES).keys()].filter((c) => c !== fixed);
  const offsets = (pairs: [number, number][]) => {
    const move = new Array<number>(N_CLASSES).fill(0);
    for (const [c, v] of pairs) move[c] = v;
    return move;
  };
  const moves: number[][] = [];
  for (const step of STEPS) {
    for (const c of free) for (const s of [1, -1]) moves.push(offsets([[c, s * step]]));
    for (const [i, a] of free.entries()) for (const b of free.slice(i + 1)) {
      for (const [sa, sb] of [[1, 1], [1, -1], [-1, 1], [-1, -1]]) moves.push(offsets([[a, sa * step], [b, sb * step]]));
    }
  }
  let best = before, bestShortfall = shortfall(before);
  for (let moved = true; moved;) {
    moved = false;
    for (const move of moves) {
      const trial = biases.map((b, k) => b + move[k]);
      const counts = countWithBiases(events, trial);
      const short = shortfall(counts);
      if (short < bestShortfall || (short === bestShortfall && counts.right > best.right)) {
        biases = trial; best = counts; bestShortfall = short; moved = true;
      }
    }
  }
  return { biases, before, after: best, shortfall: bestShortfall, target, kept };
}
