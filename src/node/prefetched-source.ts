// Events made ahead of time on a worker thread, for `train`, `evaluate` and `calibrate`. Generating
// a 2D image costs about 30 ms, ~40% of a training step with batches of 16 crops on one core
// (docs/performance.md), and the main thread would do it in series with the step or the
// inference. Here the next events are generated (or read) on a worker while the current ones run,
// and the caller takes them as if it had made them: an event depends on its index alone, so the
// results are the same bit for bit. An event not fetched ahead (or whose fetch failed) is made on
// the main thread when asked for, as without prefetching, so an error reaches the caller as before.
// `spec` names the source for the worker, which opens it again (openDataSource). Training asks for
// a batch's indices (request/settled), the others for events in order (inOrder).
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import type { LabelledEvent } from "../data/labelled-event.js";
import type { TrainingSource } from "../train/trainer.js";
import type { PrefetchWorkerData } from "./prefetch-worker.js";

/** Tasks the worker may hold at once (a batch of events ahead; more requests wait in piscina's queue). */
const MAX_IN_FLIGHT = 256;

export class PrefetchedSource implements TrainingSource {
  /** Every task until it is done, by index, whether or not its answer is still wanted. */
  private readonly running = new Map<number, Promise<void>>();
  /** Requested events whose answer will be kept. */
  private readonly wanted = new Set<number>();
  private readonly arrived = new Map<number, LabelledEvent>();
  private readonly piscina: Piscina;

  constructor(private readonly inner: TrainingSource, spec: string) {
    const workerData: PrefetchWorkerData = { spec };
    this.piscina = new Piscina({
      filename: fileURLToPath(new URL("./prefetch-worker.js", import.meta.url)),
      minThreads: 1, maxThreads: 1, idleTimeout: Infinity, workerData,
      // All requested events go to the worker at once: piscina hands a worker its next task only
      // when the main thread takes the last one's answer, and during a training step it cannot.
      concurrentTasksPerWorker: MAX_IN_FLIGHT,
    });
  }

  get count(): number | undefined { return this.inner.count; }
  get describe(): string { return this.inner.describe; }

  /** Starts making these events on the worker, those not already made or under way. */
  request(indices: readonly number[]): void {
    for (const i of indices) {
      if (this.arrived.has(i)) continue;
      this.wanted.add(i);
      if (this.running.has(i)) continue;
      const task = (this.piscina.run(i) as Promise<LabelledEvent>).then(
        (ev) => { if (this.wanted.delete(i)) this.arrived.set(i, ev); },
        () => { this.wanted.delete(i); }, // made on the main thread when asked for
      ).finally(() => this.running.delete(i));
      this.running.set(i, task);
    }
  }

  /** Resolves when none of these events is still being made on the worker. */
  async settled(indices: readonly number[]): Promise<void> {
    await Promise.all(indices.map((i) => this.running.get(i)));
  }

  /** The event, from the worker if it has arrived (each is handed over once), else made here. */
  event(i: number): LabelledEvent {
    const ev = this.arrived.get(i);
    if (ev) { this.arrived.delete(i); return ev; }
    this.wanted.delete(i); // if still under way, its answer is dropped when it comes
    return this.inner.event(i);
  }

  /** Events 0 to n-1 in order, each requested `ahead` events before it is taken. */
  async *inOrder(n: number, ahead = 2): AsyncGenerator<LabelledEvent> {
    this.request([...Array(Math.min(n, ahead)).keys()]);
    for (let i = 0; i < n; i++) {
      await this.settled([i]);
      if (i + ahead < n) this.request([i + ahead]);
      yield this.event(i);
    }
  }

  /** Events requested and not taken: how much the prefetching holds. */
  get held(): number { return this.arrived.size + this.wanted.size; }

  /** Stops the worker (the source it reads ahead of stays open: its owner closes it). */
  async close(): Promise<void> {
    this.wanted.clear();
    await Promise.all(this.running.values());
    await this.piscina.destroy();
  }
}
