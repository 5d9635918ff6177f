// Which convolution kernel is faster, dense or channel-sparse, depends on the machine: the cost
// model's constants (sparse-input.ts) come from one CPU, and on another the sparse kernel can lose
// where the model picks it (Zen 4 at 16 output columns: the dense kernel ran the 2D event 8-10%
// faster). Both kernels give the same bits, so the engine may choose by measurement: it times
// each convolution of a model with each kernel on the first events, then runs the faster one.
// Only the time changes, never a result.

import { cheaperPredicted, type KernelCosts, type KernelPick } from "./sparse-input.js";

/** Below this predicted time, a convolution is too short to time reliably (browsers round
 *  performance.now() to 5-100 us): the model decides. */
const MIN_TIMED_NS = 250_000;
/** Where one prediction is this many times the other, the model's choice stands untried. */
const CLEAR_CUT = 2.5;
/** Timings per kernel needed before comparing, and kept (the latest) after. */
const TRIES = 2, KEPT = 5;
/** After the first tries, the kernel not chosen runs again now and then, so that a choice made in
 *  a slow minute of a shared machine gets corrected: first after this many runs, then after twice
 *  as many each time it loses again (up to RECHECK_MAX), and after RECHECK_FIRST again when it
 *  wins. A recheck runs the slower kernel: every 16 runs, that cost 1.4-2.3% of the mean time per
 *  event, and as every convolution of a model rechecked on the same event, that event took
 *  1.24-1.35x the others (3D 192^3 at 32 filters, the 2D image at 16; session 43). Each convolution
 *  therefore also starts its count at its own place among the first RECHECK_FIRST runs, so that
 *  the rechecks of a model's convolutions fall on different events. */
const RECHECK_FIRST = 16, RECHECK_MAX = 1024;

interface OpTimings {
  dense: number[]; sparse: number[];
  /** Runs since the tries, the run of the next recheck, and the interval that led to it. */
  runs: number; nextRecheck: number; interval: number;
}

/** Per convolution (any object that identifies it, e.g. a graph op): the measured time of each
 *  kernel relative to its predicted cost, so events of any size share what was learnt. */
export class KernelTimings {
  private readonly byConv = new WeakMap<object, OpTimings>();
  /** Convolutions seen so far: where each one's first recheck falls. */
  private seen = 0;
  constructor(private readonly minTimedNs = MIN_TIMED_NS) {}

  /** The pick for this convolution, and the function that records how long the chosen kernel
   *  took (call it with the milliseconds from just before sparseInput to the end of the
   *  convolution, which puts the shared work in both kernels' times). */
  pick(conv: object): { pick: KernelPick; done: (ms: number) => void } {
    const t = this.timings(conv);
    let chosen: { kernel: "dense" | "sparse"; predictedNs: number; recheck?: KernelCosts } | undefined;
    const pick: KernelPick = (c: KernelCosts) => {
      const model = cheaperPredicted(c);
      const lo = Math.min(c.denseNs, c.sparseNs), hi = Math.max(c.denseNs, c.sparseNs);
      if (lo < this.minTimedNs || hi > CLEAR_CUT * lo) return model;
      let kernel: "dense" | "sparse";
      let recheck = false;
      // The tries alternate, the model's choice first: a one-event run (a browser page, `segment` of
      // one event) then gets the predicted kernel, not always the dense one (session 43).
      if (t.dense.length < TRIES || t.sparse.length < TRIES) {
        kernel = t.dense.length === t.sparse.length ? model : t.dense.length < t.sparse.length ? "dense" : "sparse";
      } else {
        kernel = faster(t, c);
        if (++t.runs >= t.nextRecheck) {
          kernel = kernel === "dense" ? "sparse" : "dense";
          recheck = true;
          // Where the next one falls if this run's time never comes back (a profiled run records
          // none); done() sets it from the outcome.
          t.nextRecheck = t.runs + t.interval;
        }
      }
      chosen = { kernel, predictedNs: kernel === "dense" ? c.denseNs : c.sparseNs, recheck: recheck ? c : undefined };
      return kernel;
    };
    const done = (ms: number) => {
      if (!chosen) return;
      const list = t[chosen.kernel];
      list.push((ms * 1e6) / chosen.predictedNs);
      if (list.length > KEPT) list.shift();
      if (chosen.recheck) {
        t.interval = faster(t, chosen.recheck) === chosen.kernel ? RECHECK_FIRST : Math.min(2 * t.interval, RECHECK_MAX);
        t.nextRecheck = t.runs + t.interval;
      }
    };
    return { pick, done };
  }

  private timings(conv: object): OpTimings {
    let t = this.byConv.get(conv);
    if (!t) {
      const first = RECHECK_FIRST + (this.seen++ % RECHECK_FIRST);
      this.byConv.set(conv, (t = { dense: [], sparse: [], runs: 0, nextRecheck: first, interval: first }));
    }
    return t;
  }
}

/** The kernel with the lower time, each the fastest of its kept times (a busy machine only ever
 *  adds time) scaled by its predicted cost for this event. */
function faster(t: OpTimings, c: KernelCosts): "dense" | "sparse" {
  return Math.min(...t.sparse) * c.sparseNs < Math.min(...t.dense) * c.denseNs ? "sparse" : "dense";
}
