// Intra-event threads: kernels split over threads sharing the wasm memory (convolution tiles, weight-
// gradient channels, rows, batch-norm channels) must give exactly the single-threaded bits, for 2D and 3D, several sizes and thread counts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Engine } from "../src/engine.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { createThreadedEngine } from "../src/node/threads.js";
import { randomWeights } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";
import type { KernelExports } from "../src/backend/wasm/module.js";
import type { ParallelKernels, RangedRun, SplitKernel } from "../src/backend/wasm/parallel-kernels.js";

for (const threads of [2, 3]) {
  test(`${threads} threads give the single-thread bits`, async () => {
    const single = await Engine.create();
    const te = await createThreadedEngine(threads, { minSplitValues: 0 }); // every kernel split
    try {
      assert.equal(te.engine.threads, threads);
      for (const [dim, size, sites, m] of [[2, 256, 3000, 8], [3, 64, 2500, 8], [2, 64, 40, 4]] as const) {
        const cfg = parseModelConfig({ dim, filters: m, depth: 4, leakiness: dim === 3 ? 0.1 : 0 });
        const w = randomWeights(buildUResNet(cfg), dim * 100 + sites);
        const a = single.loadModel(cfg, w), b = te.engine.loadModel(cfg, w);
        for (let e = 0; e < 3; e++) {
          const ev = randomWalkEvent({ dim, size, sites, seed: 1000 * dim + e, batch: e === 2 ? 2 : 1 });
          const want = single.run(a, ev).logits, got = te.engine.run(b, ev).logits;
          assert.deepEqual(new Uint32Array(got.buffer), new Uint32Array(want.buffer), `dim ${dim} event ${e}`);
        }
      }
    } finally {
      await te.close();
    }
  });
}

// The 3D net has a LeakyReLU so a leak other than zero goes through the threaded training step too,
// and its loss goes through the mix over neighbours (train --smooth).
test("training on 2 and 3 threads gives the single-thread losses and weights, bit for bit", async () => {
  const { instantiateKernels } = await import("../src/backend/wasm/module.js");
  const { createConvThreads } = await import("../src/node/threads.js");
  const { Trainer } = await import("../src/train/trainer.js");
  const { initialTrainingWeights } = await import("../src/weights/random-init.js");
  for (const [dim, size, sites] of [[2, 256, 3000], [3, 64, 2500]] as const) {
    const cfg = parseModelConfig({ dim, filters: 8, depth: 4, leakiness: dim === 3 ? 0.1 : 0 });
    const events = [0, 1, 2].map((e) => {
      const tensor = randomWalkEvent({ dim, size, sites, seed: 500 + e });
      const n = tensor.coords.length / dim;
      // Labels that follow position (so the loss is not trivial), one instance per class.
      const labels = Uint8Array.from({ length: n }, (_, r) => ((tensor.coords[r * dim] * 5) / size) | 0);
      return { index: e, tensor, labels, instances: Int32Array.from(labels) };
    });
    const source = { count: 3, event: (i: number) => events[i], describe: "random walks" };
    const options = { seed: 5, batchSize: 2, weighting: "sparsessnet" as const, lr: 2e-3, weightDecay: 0, schedule: "constant" as const, iterations: 3, bnMomentum: 0.99,
      ...(dim === 3 ? { lossSmoothing: { radius: 2, share: 0.3 } } : {}) };
    const run = async (threads: number | "late") => {
      const pool = typeof threads === "number" && threads > 1 ? await createConvThreads(threads, { minSplitValues: 0 }) : undefined;
      try {
        const k = pool ? pool.k : await instantiateKernels();
        const tr = new Trainer(k, cfg, options, initialTrainingWeights(cfg, 3), pool ? pool.parallel : threads === "late" ? new LateHelper(k) : undefined);
        const losses = [0, 1, 2].map(() => tr.step(source).loss);
        return { losses, params: tr.params };
      } finally {
        await pool?.close();
      }
    };
    const one = await run(1);
    for (const threads of [2, 3, "late"] as const) {
      const many = await run(threads);
      assert.deepEqual(many.losses, one.losses, `${dim}D ${threads} threads: losses`);
      for (const [name, t] of one.params) {
        assert.deepEqual(new Uint32Array(many.params.get(name)!.data.buffer), new Uint32Array(t.data.buffer), `${dim}D ${threads} threads: ${name}`);
      }
    }
  }
});

/** Two "threads" where the helper runs queued ranges only when the engine's thread waits for
 *  them, as late as the protocol allows, and in reverse order. A training step that reuses a
 *  buffer a queued run still reads, or reads what it writes before it is done, then gets other
 *  bits on every run rather than by chance. */
class LateHelper implements ParallelKernels {
  readonly threads = 2;
  readonly minSplitValues = 0;
  private readonly queue: { ticket: number; run: RangedRun }[] = [];
  private tickets = 0;
  constructor(private readonly k: KernelExports) {}
  run(kernel: SplitKernel, parts: number[][]): void {
    this.drain();
    for (const p of parts) (this.k[kernel] as (...a: number[]) => void)(...p);
  }
  enqueue(run: RangedRun): number {
    this.queue.push({ ticket: this.tickets, run: { ...run, args: [...run.args] } });
    return this.tickets++;
  }
  finish(ticket: number): void {
    while (this.queue.length && this.queue[0].ticket <= ticket) {
      const { run } = this.queue.shift()!;
      for (let r = run.bounds.length - 2; r >= 0; r--) {
        const a = [...run.args];
        a[run.rangeAt] = run.bounds[r];
        a[run.rangeAt + 1] = run.bounds[r + 1];
        (this.k[run.kernel] as (...a: number[]) => void)(...a);
      }
    }
  }
  drain(): void {
    this.finish(Infinity);
  }
}
