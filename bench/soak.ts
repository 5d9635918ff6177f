// Memory over a long run (a benchmark, not a test): N events (default 10,000) of similar size, and
// the wasm memory and RSS sampled along the way. Usage: node dist/bench/soak.js [events] [event-dir] [--mix]
// (--mix: the model mixes its scores over neighbours after the network, radius 3, as the shipped models do).
import { join } from "node:path";
import { Engine } from "../src/engine.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { readEventFile } from "../src/node/event-file.js";
import { randomWeights } from "../src/weights/random-init.js";
import { sharedDir } from "../src/node/shared-dir.js";

const args = process.argv.slice(2).filter((a) => a !== "--mix");
const mix = process.argv.includes("--mix");
const n = Number(args[0] ?? 10000);
const ev = readEventFile(args[1] ?? join(sharedDir(), "bench-events", "3d-192-5k"));
const engine = await Engine.create();
const cfg = parseModelConfig({ dim: ev.tensor.dim, filters: 16, depth: 5, ...(mix ? { smoothing: { radius: 3, share: 0.3 } } : {}) });
const model = engine.loadModel(cfg, randomWeights(buildUResNet(cfg), 1));
// Events of the same size but different content: the bench event with its features permuted.
const f = ev.tensor.features;
const mib = (b: number) => (b / 2 ** 20).toFixed(1);
// RSS alone mixes the engine's memory with V8's heap and the allocator's caching: the JS heap in use
// (heapUsed) and the array buffers held (arrayBuffers: the wasm memory and the result arrays) are
// printed too, so that a step in RSS can be told from a leak.
const sample = () => { const m = process.memoryUsage(); return { wasm: engine.memoryBytes, rss: m.rss, heap: m.heapUsed, buffers: m.arrayBuffers }; };
let first = sample();
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  const features = f.map((_, j) => f[(j * 7919 + i) % f.length]);
  engine.run(model, { ...ev.tensor, features });
  if (i === 100) first = sample();
  if (i % 1000 === 999 || i === n - 1) {
    const m = sample();
    console.log(`${i + 1} events: wasm ${mib(m.wasm)} MiB, rss ${mib(m.rss)} MiB, JS heap ${mib(m.heap)} MiB, array buffers ${mib(m.buffers)} MiB, ` +
      `${((performance.now() - t0) / (i + 1)).toFixed(1)} ms/event`);
  }
}
const last = sample();
console.log(`after event 100 -> ${n}: wasm ${mib(first.wasm)} -> ${mib(last.wasm)} MiB, rss ${mib(first.rss)} -> ${mib(last.rss)} MiB, ` +
  `JS heap ${mib(first.heap)} -> ${mib(last.heap)} MiB, array buffers ${mib(first.buffers)} -> ${mib(last.buffers)} MiB`);
