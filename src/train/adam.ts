// Adam (Kingma & Ba), as torch.optim.Adam computes it: bias-corrected moments, eps added to the
// square root of the corrected second moment; optional decoupled weight decay (AdamW) and a
// learning-rate schedule. The update runs on the wasm kernels when given them (AdamKernel, the same
// bits); adamUpdate below is the reference.

import type { AdamKernel } from "./adam-kernel.js";

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  /** Decoupled weight decay (AdamW); 0 = plain Adam. */
  weightDecay?: number;
  /** Learning rate of step t (1-based); default constant lr. */
  schedule?: (t: number, lr: number) => number;
}

export class Adam {
  private m = new Map<string, Float64Array>();
  private v = new Map<string, Float64Array>();
  step = 0;
  readonly lr: number;
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
  readonly weightDecay: number;
  private readonly schedule?: (t: number, lr: number) => number;

  /** `kernel`: run the update in wasm, with the moments kept there. */
  constructor(o: AdamOptions = {}, private readonly kernel?: AdamKernel) {
    this.lr = o.lr ?? 1e-3;
    [this.b1, this.b2] = o.betas ?? [0.9, 0.999];
    this.eps = o.eps ?? 1e-8;
    this.weightDecay = o.weightDecay ?? 0;
    this.schedule = o.schedule;
  }

  /** Updates every parameter that has a gradient, in place. */
  apply(params: Map<string, { data: Float32Array }>, grads: Map<string, Float32Array>): void {
    this.step++;
    const t = this.step;
    const lr = this.schedule ? this.schedule(t, this.lr) : this.lr;
    const c1 = 1 - this.b1 ** t, c2 = 1 - this.b2 ** t;
    for (const [name, g] of grads) {
      const p = params.get(name)!.data;
      if (this.kernel) {
        this.kernel.update(name, p, g, { b1: this.b1, b2: this.b2, eps: this.eps, lr, weightDecay: this.weightDecay, c1, c2 });
        continue;
      }
      let m = this.m.get(name), v = this.v.get(name);
      if (!m || !v) { this.m.set(name, m = new Float64Array(g.length)); this.v.set(name, v = new Float64Array(g.length)); }
      adamUpdate(p, g, m, v, this.b1, this.b2, this.eps, lr, this.weightDecay, c1, c2);
    }
  }

  /** Moments and step count, for checkpoints. */
  state(): { step: number; m: Map<string, Float64Array>; v: Map<string, Float64Array> } {
    return { step: this.step, ...(this.kernel ? this.kernel.state() : { m: this.m, v: this.v }) };
  }

  restore(s: { step: number; m: Map<string, Float64Array>; v: Map<string, Float64Array> }): void {
    this.step = s.step;
    if (this.kernel) {
      this.kernel.restore(s.m, s.v);
      return;
    }
    this.m = new Map([...s.m].map(([k, a]) => [k, Float64Array.from(a)]));
    this.v = new Map([...s.v].map(([k, a]) => [k, Float64Array.from(a)]));
  }
}

/** One tensor's Adam update, a function of its own (called for every tensor of every step, V8
 *  optimises it early) with every constant in a local. The arithmetic, in float64, is torch's
 *  order: m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g g; p -= lr (m / c1) / (sqrt(v / c2) + eps). */
function adamUpdate(p: Float32Array, g: Float32Array, m: Float64Array, v: Float64Array,
  b1: number, b2: number, eps: number, lr: number, weightDecay: number, c1: number, c2: number): void {
  const a1 = 1 - b1, a2 = 1 - b2, decay = lr * weightDecay;
  for (let i = 0; i < g.length; i++) {
    const gi = g[i];
    const mi = b1 * m[i] + a1 * gi;
    const vi = b2 * v[i] + a2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    let x = p[i];
    if (weightDecay) x -= decay * x;
    p[i] = x - lr * (mi / c1) / (Math.sqrt(vi / c2) + eps);
  }
}

/** Batch-norm running statistics after a training forward pass, SparseConvNet's convention:
 *  running = momentum * running + (1 - momentum) * batch, with the unbiased batch variance. */
export function updateRunningStats(
  params: Map<string, { data: Float32Array }>, stats: Map<string, { mean: Float64Array; variance: Float64Array; n: number }>, momentum = 0.99,
): void {
  for (const [prefix, s] of stats) {
    const rm = params.get(`${prefix}.running_mean`)!.data, rv = params.get(`${prefix}.running_var`)!.data;
    const unbias = s.n > 1 ? s.n / (s.n - 1) : 1;
    for (let j = 0; j < rm.length; j++) {
      rm[j] = momentum * rm[j] + (1 - momentum) * s.mean[j];
      rv[j] = momentum * rv[j] + (1 - momentum) * s.variance[j] * unbias;
    }
  }
}
