// The convolution hook and bench/conv-replay.ts: every convolution of a run is reported once, and
// what the replay copies is all the kernel reads. Each copied convolution, run in a fresh instance
// of the kernels, must give the bits the engine's own call left in memory (checked where the next
// convolution reads that output, before it runs).
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { capture, load, type Captured } from "../bench/conv-replay.js";
import { Engine } from "../src/engine.js";
import { parseModelConfig } from "../src/model/config.js";
import { readEventFile } from "../src/node/event-file.js";
import { loadModelInto } from "../src/node/model-io.js";
import { randomModelFile } from "../src/node/random-model-file.js";
import { PROJECT_ROOT } from "./support/paths.js";

test("onConvolution reports each convolution once, and a replay of its copy gives the engine's bits", async () => {
  const ev = readEventFile(join(PROJECT_ROOT, "samples", "2d-1008x3456-17k"));
  const engine = await Engine.create();
  const model = loadModelInto(engine, randomModelFile(parseModelConfig({ dim: 2, filters: 8, depth: 5, inputChannels: 1 }), 7));
  engine.run(model, ev.tensor); // the first runs also time both kernels; either path is fine here
  const convOps = model.graph.ops.flatMap((op, i) => (op.kind === "subconv" || op.kind === "down" || op.kind === "up" ? [i] : []));
  const seen: (Captured & { outPtr: number })[] = [];
  // Output bits the engine left, where the next convolution reads them as its input.
  const engineOut = new Map<number, Uint32Array>();
  engine.run(model, ev.tensor, {
    onConvolution: (c) => {
      const prev = seen.at(-1);
      // (The same buffer in the graph, not just the same address: memory is reused between buffers.)
      const ops = model.graph.ops as { input?: number; output: number }[];
      if (prev && ops[c.op].input === ops[prev.op].output) {
        assert.equal(c.args[0], prev.outPtr);
        engineOut.set(seen.length - 1, new Uint32Array(c.memory, prev.outPtr, prev.scalars.nOut * prev.scalars.outStride).slice());
      }
      seen.push({ ...capture(c), outPtr: c.args[2] });
      assert.equal(c.kind, model.graph.ops[c.op].kind);
      assert.ok(c.pairs > 0 && c.inputRows > 0);
    },
  });
  assert.deepEqual(seen.map((c) => c.op), convOps, "one call per convolution, in graph order");
  assert.ok(engineOut.size >= 10, `chained convolutions checked: ${engineOut.size}`);
  assert.ok(seen.some((c) => c.bytes.nzEntries !== null), "some convolutions ran channel-sparse");
  const replay = await load(PROJECT_ROOT, seen);
  for (const [j, bits] of engineOut) {
    replay.calls[j]();
    assert.deepEqual(replay.outputs[j](), bits, `convolution ${seen[j].op} (${seen[j].kind} L${seen[j].level}) replayed`);
  }
});
