// Training events made ahead on a worker thread (PrefetchedSource): the same events as the main
// thread makes, a fallback to the main thread for events not fetched or whose fetch failed, and
// a training run that is the same bit for bit with and without it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { instantiateKernels } from "../src/backend/wasm/module.js";
import { parseModelConfig } from "../src/model/config.js";
import { openDataSource } from "../src/node/data-source.js";
import { PrefetchedSource } from "../src/node/prefetched-source.js";
import { Trainer, DEFAULT_TRAINER_OPTIONS } from "../src/train/trainer.js";
import { initialTrainingWeights } from "../src/weights/random-init.js";

const SPEC = "sim:3d:32@3";

test("prefetched events equal the main thread's; events not fetched are made on the main thread", async () => {
  const plain = openDataSource(SPEC);
  const fetched = new PrefetchedSource(openDataSource(SPEC), SPEC);
  try {
    fetched.request([0, 1, 2]);
    await fetched.settled([0, 1, 2]);
    assert.equal(fetched.held, 3);
    for (const i of [2, 0, 1, 7]) assert.deepEqual(fetched.event(i), plain.event(i), `event ${i}`);
    assert.equal(fetched.held, 0, "each prefetched event is handed over once");
    // Asked for before its fetch is in: made here, and the late answer is dropped.
    fetched.request([4]);
    assert.deepEqual(fetched.event(4), plain.event(4));
    await fetched.settled([4]);
    assert.equal(fetched.held, 0);
  } finally {
    await fetched.close();
  }
});

test("inOrder gives events 0 to n-1 in order, the main thread's, and holds nothing after", async () => {
  const plain = openDataSource(SPEC);
  const fetched = new PrefetchedSource(openDataSource(SPEC), SPEC);
  try {
    const got = [];
    for await (const ev of fetched.inOrder(5, 2)) got.push(ev);
    assert.deepEqual(got, [0, 1, 2, 3, 4].map((i) => plain.event(i)));
    assert.equal(fetched.held, 0);
  } finally {
    await fetched.close();
  }
});

test("a worker that cannot read the source: every event is made on the main thread instead", async () => {
  const plain = openDataSource(SPEC);
  const fetched = new PrefetchedSource(openDataSource(SPEC), "no-such-events-file.h5");
  try {
    fetched.request([0, 1]);
    await fetched.settled([0, 1]);
    assert.equal(fetched.held, 0);
    assert.deepEqual(fetched.event(1), plain.event(1));
  } finally {
    await fetched.close();
  }
});

test("training on prefetched events is the same bit for bit, balanced crops included", async () => {
  const k = await instantiateKernels();
  const config = parseModelConfig({ dim: 3, filters: 4, depth: 2 });
  const options = { ...DEFAULT_TRAINER_OPTIONS, seed: 9, iterations: 4, batchSize: 2, crop: [16, 16, 16], cropCentre: "balanced" as const };
  const run = async (prefetch: boolean) => {
    const data = openDataSource(SPEC);
    const tr = new Trainer(k, config, options, initialTrainingWeights(config, 9));
    const fetched = prefetch ? new PrefetchedSource(data, SPEC) : undefined;
    try {
      for (let t = 0; t < options.iterations; t++) {
        if (fetched) {
          await fetched.settled(tr.batchIndices(data, t));
          fetched.request(tr.batchIndices(data, t + 1));
        }
        tr.step(fetched ?? data);
      }
    } finally {
      await fetched?.close();
    }
    return tr.params;
  };
  const a = await run(false), b = await run(true);
  for (const [name, t] of a) assert.deepEqual(b.get(name)!.data, t.data, name);
});
