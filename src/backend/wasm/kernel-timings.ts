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
/** After the first tries, one run in this many goes to the kernel not chosen, so that a choice
 *  made in a slow minute of a shared machine gets corrected. */
const RECHECK_EVERY = 16;

interface OpTimings { dense: number[]; sparse: number[]; runs: number }

/** Per convolution (any object that identifies it, e.g. a graph op): the measured time of each
 *  kernel relative to its predicted cost, so events of any size share what was learnt. */
export class KernelTimings {
  private readonly byConv = new WeakMap<object, OpTimings>();
  constructor(private readonly minTimedNs = MIN_TIMED_NS) {}

  /** The pick for this convolution, and the function that records how long the chosen kernel
   *  took (call it with the milliseconds from just before sparseInput to the end of the
   *  convolution, which puts the shared work in both kernels' times). */
  pick(conv: object): { pick: KernelPick; done: (ms: number) => void } {
    const t = this.timings(conv);
    let chosen: { kernel: "dense" | "sparse"; predictedNs: number } | undefined;
    const pick: KernelPick = (c: KernelCosts) => {
      const model = cheaperPredicted(c);
      const lo = Math.min(c.denseNs, c.sparseNs), hi = Math.max(c.denseNs, c.sparseNs);
      if (lo < this.minTimedNs || hi > CLEAR_CUT * lo) return model;
      let kernel: "dense" | "sparse";
      if (t.dense.length < TRIES || t.sparse.length < TRIES) kernel = t.dense.length <= t.sparse.length ? "dense" : "sparse";
      else {
        // The fastest of the kept times: a busy machine only ever adds time.
        kernel = Math.min(...t.sparse) * c.sparseNs < Math.min(...t.dense) * c.denseNs ? "sparse" : "dense";
        if (++t.runs % RECHECK_EVERY === 0) kernel = kernel === "dense" ? "sparse" : "dense";
      }
      chosen = { kernel, predictedNs: kernel === "dense" ? c.denseNs : c.sparseNs };
      return kernel;
    };
    const done = (ms: number) => {
      if (!chosen) return;
      const list = t[chosen.kernel];
      list.push((ms * 1e6) / chosen.predictedNs);
      if (list.length > KEPT) list.shift();
    };
    return { pick, done };
  }

  private timings(conv: object): OpTimings {
    let t = this.byConv.get(conv);
    if (!t) this.byConv.set(conv, (t = { dense: [], sparse: [], runs: 0 }));
    return t;
  }
}
