// Which convolution kernel is faster, dense or channel-sparse, depends on the machine: the cost
// model's constants (sparse-input.ts) come from one CPU, and on another the sparse kernel can lose
// where the model picks it (Zen 4 at 16 output columns: the dense kernel ran the 2D event 8-10%
// faster). Both kernels give the same bits, so the engine may choose by measurement. Only the time
// changes, never a result.
//
// It compares the two kernels in pairs: on a trial event a convolution runs with both kernels, one
// right after the other, each timed, and the choice follows the first trial where it confirms the
// cost model's choice clearly, else the median of three trials' time ratios. On a shared machine the speed drifts by tens of per cent from one event to the next (the
// same 3D event took 109-215 ms in one process, session 60); two runs a millisecond apart see the
// same machine. Until session 60 each kernel was timed on its own events (the other kernel's on
// the events between), and in 3 of 8 fresh processes 8-31 of the wide convolutions of 3D 192^3 at
// 32 filters kept the dense kernel, which there takes 1.3-1.7x as long (docs/performance.md,
// "Kernels compared in pairs").

import { median } from "../../util/stats.js";
import { cheaperPredicted, type KernelCosts } from "./sparse-input.js";

export type Kernel = "dense" | "sparse";

/** Below this predicted time, a convolution is too short to time reliably (browsers round
 *  performance.now() to 5-100 us): the model decides. */
const MIN_TIMED_NS = 250_000;
/** Where one prediction is this many times the other, the model's choice stands untried. */
const CLEAR_CUT = 2.5;
/** Trial events before the choice (after the first event, which runs cold: pages touched for the
 *  first time, code not yet optimised, and runs the model's choice untimed). The median of three
 *  ratios outlives one run that a busy moment slowed; the order alternates, so that what each
 *  kernel finds in cache after the other mostly cancels. A trial event takes about twice as long
 *  (both kernels), so three of them cost about as much as three events more. */
const TRIALS = 3;
/** A first trial in which the cost model's choice is this many times faster than the other kernel
 *  settles it: then measurement and model agree by a margin no busy moment is likely to fake, and
 *  a wrong call would be the model's, as it would be without measuring. Two trial events saved. */
const CONFIRMS = 1.25;
/** Events a convolution takes, at most, before its kernel is settled: the first, then the trials. Timings
 *  that must not see a trial (the bench's runs) start after this many warm-up events. */
export const KERNEL_LEARNING_EVENTS = 1 + TRIALS;
/** After the trials, a trial again now and then, so that a choice made while the machine was busy
 *  gets corrected: first after this many runs, then after twice as many each time the choice
 *  holds (up to RECHECK_MAX), and after RECHECK_FIRST again when it changes. A recheck costs one
 *  extra run of the kernel not chosen; each convolution starts its count at its own place among
 *  the first RECHECK_FIRST runs, so that the rechecks of a model's convolutions fall on different
 *  events (when they all fell on one, that event took 1.24-1.35x the others; session 43). */
const RECHECK_FIRST = 16, RECHECK_MAX = 1024;

interface OpTimings {
  /** Events seen, trials run, and their ratios (dense time / sparse time, the latest TRIALS). */
  events: number; ratios: number[]; trials: number;
  /** The kernel chosen after the trials; runs since then, the run of the next recheck and the interval that led to it. */
  chosen?: Kernel; runs: number; nextRecheck: number; interval: number;
}

/** What to run for one convolution on this event: one kernel, or (a trial) both, in this order,
 *  each timed, `done` taking their times in milliseconds in the same order. */
export interface KernelPlan { kernels: [Kernel] | [Kernel, Kernel]; done: (ms: number[]) => void }

/** One kernel, nothing to record. */
export const untimed = (k: Kernel): KernelPlan => ({ kernels: [k], done: () => {} });
const other = (k: Kernel): Kernel => (k === "dense" ? "sparse" : "dense");

/** Per convolution (any object that identifies it, e.g. a graph op): its trials and its choice. */
export class KernelTimings {
  private readonly byConv = new WeakMap<object, OpTimings>();
  /** Convolutions seen so far: where each one's first recheck falls. */
  private seen = 0;
  constructor(private readonly minTimedNs = MIN_TIMED_NS) {}

  /** The kernel(s) to run for this convolution on this event, given the cost model's predictions
   *  for it (its input's density known). The times passed to `done` should cover what differs
   *  between the kernels: the input's compression for the sparse one, and the convolution. */
  plan(conv: object, c: KernelCosts): KernelPlan {
    const model = cheaperPredicted(c);
    const lo = Math.min(c.denseNs, c.sparseNs), hi = Math.max(c.denseNs, c.sparseNs);
    if (lo < this.minTimedNs || hi > CLEAR_CUT * lo) return untimed(model);
    const t = this.timings(conv);
    if (t.events++ === 0) return untimed(model);
    if (t.chosen === undefined) {
      return this.trial(t, model, (ratio) => {
        const confirmed = t.trials === 1 && ratio !== undefined && (model === "sparse" ? ratio >= CONFIRMS : ratio <= 1 / CONFIRMS);
        if (confirmed || t.trials >= TRIALS) t.chosen = fasterOf(t.ratios, model);
      });
    }
    if (++t.runs < t.nextRecheck) return untimed(t.chosen);
    const before = t.chosen;
    // Where the next one falls if this trial's times never come back (a profiled run records none).
    t.nextRecheck = t.runs + t.interval;
    return this.trial(t, before, (ratio) => {
      t.chosen = fasterOf(t.ratios, before);
      // A trial that agrees with the choice puts the next one twice as far; one that does not (a
      // change, or a busy moment) brings it back to RECHECK_FIRST, so that a real change, which
      // takes two such trials to move the median of three, is followed within a few dozen runs.
      const agrees = ratio === undefined || fasterOf([ratio], before) === before;
      t.interval = agrees && t.chosen === before ? Math.min(2 * t.interval, RECHECK_MAX) : RECHECK_FIRST;
      t.nextRecheck = t.runs + t.interval;
    });
  }

  /** Both kernels, `first` first on even trials and second on odd ones; `decided` runs after the
   *  trial's ratio (undefined if it could not be timed) is kept. */
  private trial(t: OpTimings, first: Kernel, decided: (ratio: number | undefined) => void): KernelPlan {
    const kernels: [Kernel, Kernel] = t.trials % 2 === 0 ? [first, other(first)] : [other(first), first];
    return {
      kernels,
      done: (ms) => {
        const [dense, sparse] = kernels[0] === "dense" ? ms : [ms[1], ms[0]];
        // A timer too coarse to tell (a browser's can read 0) gives no evidence, but the trial counts.
        const ratio = dense > 0 && sparse > 0 ? dense / sparse : undefined;
        if (ratio !== undefined) {
          t.ratios.push(ratio);
          if (t.ratios.length > TRIALS) t.ratios.shift();
        }
        t.trials++;
        decided(ratio);
      },
    };
  }

  private timings(conv: object): OpTimings {
    let t = this.byConv.get(conv);
    if (!t) {
      const first = RECHECK_FIRST + (this.seen++ % RECHECK_FIRST);
      this.byConv.set(conv, (t = { events: 0, ratios: [], trials: 0, runs: 0, nextRecheck: first, interval: first }));
    }
    return t;
  }
}

/** Sparse where the median of the trials' ratios (dense time / sparse time) is above 1; `fallback`
 *  when no trial could be timed. */
function fasterOf(ratios: number[], fallback: Kernel): Kernel {
  if (ratios.length === 0) return fallback;
  return median(ratios) > 1 ? "sparse" : "dense";
}
