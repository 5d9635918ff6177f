// Adam on the wasm kernels against the TypeScript reference: the same parameters and moments, bit
// for bit, over several steps, with and without weight decay, for tensors of odd and even length
// (the kernel's two-lane loop and its scalar tail), with zeros, negative zeros and large values.
import assert from "node:assert/strict";
import { test } from "node:test";
import { instantiateKernels } from "../src/backend/wasm/module.js";
import { Arena } from "../src/backend/wasm/arena.js";
import { Adam } from "../src/train/adam.js";
import { AdamKernel } from "../src/train/adam-kernel.js";
import { Random } from "../src/sim/random.js";

function tensors(seed: number): Map<string, { data: Float32Array }> {
  const rnd = new Random(seed, 0);
  const out = new Map<string, { data: Float32Array }>();
  for (const [name, n] of [["a", 1], ["b", 2], ["c", 3], ["d", 17], ["e", 1000]] as const) {
    const d = Float32Array.from({ length: n }, () => (rnd.uniform() - 0.5) * 2);
    if (n > 3) { d[0] = 0; d[1] = -0; d[2] = 3e38; }
    out.set(name, { data: d });
  }
  return out;
}

function gradients(params: Map<string, { data: Float32Array }>, seed: number): Map<string, Float32Array> {
  const rnd = new Random(seed, 1);
  return new Map([...params].map(([name, p]) => {
    const g = Float32Array.from(p.data, () => (rnd.uniform() - 0.5) * 1e-2);
    if (g.length > 3) { g[0] = 0; g[1] = -0; g[3] = 1e30; }
    return [name, g];
  }));
}

const bits = (a: Float32Array | Float64Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.byteLength / 4));

for (const weightDecay of [0, 0.01]) {
  test(`Adam on the kernels == the TypeScript reference, bit for bit (weight decay ${weightDecay})`, async () => {
    const k = await instantiateKernels();
    const schedule = (t: number, lr: number) => lr / (1 + t);
    const ref = new Adam({ lr: 2e-3, weightDecay, schedule });
    const wasm = new Adam({ lr: 2e-3, weightDecay, schedule }, new AdamKernel(k, new Arena(k)));
    const pr = tensors(3), pw = tensors(3);
    for (let step = 0; step < 5; step++) {
      ref.apply(pr, gradients(pr, step));
      wasm.apply(pw, gradients(pr, step));
      for (const [name, p] of pr) assert.deepEqual(bits(pw.get(name)!.data), bits(p.data), `step ${step}, ${name}`);
    }
    const sr = ref.state(), sw = wasm.state();
    assert.equal(sw.step, sr.step);
    for (const name of pr.keys()) {
      assert.deepEqual(bits(sw.m.get(name)!), bits(sr.m.get(name)!), `m of ${name}`);
      assert.deepEqual(bits(sw.v.get(name)!), bits(sr.v.get(name)!), `v of ${name}`);
    }
    // A run restored from the state continues like the original.
    const k2 = await instantiateKernels();
    const resumed = new Adam({ lr: 2e-3, weightDecay, schedule }, new AdamKernel(k2, new Arena(k2)));
    const pc = new Map([...pw].map(([name, p]) => [name, { data: p.data.slice() }]));
    resumed.restore(sw);
    resumed.apply(pc, gradients(pr, 9));
    ref.apply(pr, gradients(pr, 9));
    for (const [name, p] of pr) assert.deepEqual(bits(pc.get(name)!.data), bits(p.data), `resumed, ${name}`);
  });
}
