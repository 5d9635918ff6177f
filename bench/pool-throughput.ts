// Events per second through the worker pool with 1 and 2 workers (one wasm instance each), on a
// bench event from ../shared/bench-events, with random 16-filter weights. Usage:
//   node dist/bench/pool-throughput.js [event] [events] [filters]
import { join } from "node:path";
import { SegmentationPool } from "../src/node/worker-pool.js";
import { readEventFile } from "../src/node/event-file.js";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { writeModelFile } from "../src/weights/model-file.js";
import { randomWeights } from "../src/weights/random-init.js";
import { sharedDir } from "../src/node/shared-dir.js";

const [eventName = "2d-1008x3456-17k", nEvents = "40", filters = "16"] = process.argv.slice(2);
const ev = readEventFile(join(sharedDir(), "bench-events", eventName));
const cfg = parseModelConfig({ dim: ev.tensor.dim, filters: Number(filters), depth: 5 });
const modelBytes = writeModelFile(cfg, randomWeights(buildUResNet(cfg), 1234));

const rates: Record<number, number> = {};
for (const workers of [1, 2]) {
  const pool = await SegmentationPool.create({ modelBytes, workers });
  await Promise.all(Array.from({ length: 2 * workers }, () => pool.run(ev.tensor))); // warm-up every worker
  const t0 = performance.now();
  await Promise.all(Array.from({ length: Number(nEvents) }, () => pool.run(ev.tensor)));
  const s = (performance.now() - t0) / 1000;
  rates[workers] = Number(nEvents) / s;
  console.log(`${eventName} m${filters}: ${workers} worker(s): ${rates[workers].toFixed(2)} events/s (${nEvents} events in ${s.toFixed(2)} s)`);
  await pool.close();
}
console.log(`throughput ratio 2 workers / 1 worker: ${(rates[2] / rates[1]).toFixed(2)}`);
