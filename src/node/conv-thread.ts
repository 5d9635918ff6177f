// A helper thread of a threaded engine: the shared-memory kernels on the engine's memory, waiting
// on a control block for convolution tile ranges to run (see threads.ts for the protocol).
import { parentPort, workerData } from "node:worker_threads";
import { instantiateThreadKernels } from "../backend/wasm/module.js";
import type { WeightGradArgs } from "../backend/wasm/parallel-conv.js";
import { CTRL, KIND_WEIGHT_GRAD, weightGradRange, type ThreadInit } from "./threads.js";

const { module, memory, ctrl, index } = workerData as ThreadInit;
const k = await instantiateThreadKernels(module, memory);
const I = new Int32Array(memory.buffer, ctrl, CTRL.WORDS);
const F = new Float32Array(memory.buffer, ctrl, CTRL.WORDS);
parentPort!.postMessage("ready");
let seen = 0;
for (;;) {
  Atomics.wait(I, CTRL.SEQ, seen);
  seen = Atomics.load(I, CTRL.SEQ);
  if (seen < 0) break;
  const a = CTRL.ARGS;
  const range = CTRL.RANGES + 2 * index;
  if (I[CTRL.KIND] === KIND_WEIGHT_GRAD) {
    const args = Array.from(I.subarray(a, a + 13)) as WeightGradArgs;
    if (I[range + 1] > I[range]) k.convWeightGrad(...weightGradRange(args, I[range], I[range + 1]));
  } else {
    k.convRules(I[a], I[a + 1], I[a + 2], I[a + 3], I[a + 4], I[a + 5], I[a + 6], I[a + 7], I[a + 8], I[a + 9], I[a + 10], I[a + 11],
      I[range], I[range + 1], I[a + 14], I[a + 15], I[a + 16], I[a + 17], I[a + 18], I[a + 19], F[a + 20], I[a + 21], I[a + 22]);
  }
  Atomics.store(I, CTRL.DONE + index, seen);
  Atomics.notify(I, CTRL.DONE + index);
}
