// Adam (Kingma & Ba), as torch.optim.Adam computes it: bias-corrected moments, eps added to the
// square root of the corrected second moment; optional decoupled weight decay (AdamW) and a
// learning-rate schedule.

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

  constructor(o: AdamOptions = {}) {
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
      let m = this.m.get(name), v = this.v.get(name);
      if (!m || !v) { this.m.set(name, m = new Float64Array(g.length)); this.v.set(name, v = new Float64Array(g.length)); }
      for (let i = 0; i < g.length; i++) {
        m[i] = this.b1 * m[i] + (1 - this.b1) * g[i];
        v[i] = this.b2 * v[i] + (1 - this.b2) * g[i] * g[i];
        let x = p[i];
        if (this.weightDecay) x -= lr * this.weightDecay * x;
        p[i] = x - lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + this.eps);
      }
    }
  }

  /** Moments and step count, for checkpoints. */
  state(): { step: number; m: Map<string, Float64Array>; v: Map<string, Float64Array> } {
    return { step: this.step, m: this.m, v: this.v };
  }

  restore(s: { step: number; m: Map<string, Float64Array>; v: Map<string, Float64Array> }): void {
    this.step = s.step;
    this.m = new Map([...s.m].map(([k, a]) => [k, Float64Array.from(a)]));
    this.v = new Map([...s.v].map(([k, a]) => [k, Float64Array.from(a)]));
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
