// A helper thread of a threaded engine: the shared-memory kernels on the engine's memory, waiting
// on a control block for parts of kernels to run (see threads.ts for the protocol).
import { parentPort, workerData } from "node:worker_threads";
import { instantiateThreadKernels } from "../backend/wasm/module.js";
import { SPLIT_KERNELS } from "../backend/wasm/parallel-kernels.js";
import { awaitChange, CTRL, takeUnits, type ThreadInit } from "./threads.js";

const { module, memory, ctrl, index } = workerData as ThreadInit;
const k = await instantiateThreadKernels(module, memory);
const I = new Int32Array(memory.buffer, ctrl, CTRL.ARGS_AT / 4);
const args = new Float64Array(memory.buffer, ctrl + CTRL.ARGS_AT + index * CTRL.ARGS * 8, CTRL.ARGS);
const kernels = SPLIT_KERNELS.map((name) => k[name] as (...a: number[]) => void);
parentPort!.postMessage("ready");
let seen = 0;
for (;;) {
  awaitChange(I, CTRL.SEQ, seen);
  seen = Atomics.load(I, CTRL.SEQ);
  if (seen < 0) break;
  const id = I[CTRL.KERNEL + index];
  // Every kernel ignores the arguments past its own.
  if (id >= 0) kernels[id](...args);
  takeUnits(k, ctrl);
  Atomics.store(I, CTRL.DONE + index, seen);
  Atomics.notify(I, CTRL.DONE + index);
}
