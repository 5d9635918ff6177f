// Throughput of `segment --input` (streamed file, worker pool) with 1 and 2 workers on simulated
// MicroBooNE-sized 2D images and 3D 512 px cubes. Prints a JSON line per configuration and a table.
// Usage: node dist/bench/batch-throughput.js [events2d=300] [events3d=600]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseModelConfig } from "../src/model/config.js";
import { buildUResNet } from "../src/model/uresnet.js";
import { segmentFile } from "../src/node/batch-segment.js";
import { createEventWriter } from "../src/node/event-writer.js";
import { simulateEvent, type SimConfig } from "../src/sim/index.js";
import { writeModelFile } from "../src/weights/model-file.js";
import { randomWeights } from "../src/weights/random-init.js";

const n2 = Number(process.argv[2] ?? 300), n3 = Number(process.argv[3] ?? 600);
const dir = mkdtempSync(join(tmpdir(), "sparsessnet-throughput-"));
const rows: { events: string; workers: number; eventsPerSecond: number; segmentingEventsPerSecond: number; sites: number }[] = [];
for (const [name, cfg, n] of [["2d-1008x3456", { dim: 2 } as SimConfig, n2], ["3d-512", { dim: 3, size: 512 } as SimConfig, n3]] as const) {
  const file = join(dir, `${name}.h5`);
  const w = createEventWriter(file);
  for (let i = 0; i < n; i++) w.append(simulateEvent(cfg, 77, i));
  w.close();
  const config = parseModelConfig({ dim: cfg.dim, filters: 16, depth: 5 });
  const model = join(dir, `${name}.safetensors`);
  writeFileSync(model, writeModelFile(config, randomWeights(buildUResNet(config), 1234)));
  for (const workers of [1, 2]) {
    const s = await segmentFile({ input: file, out: join(dir, `${name}-${workers}.h5`), modelBytes: new Uint8Array(readFileSync(model)), workers,
      shard: { index: 0, count: 1 }, resume: false, scores: "f32", chunk: 64 }, { stop: false });
    rows.push({ events: name, workers, eventsPerSecond: s.eventsPerSecond, segmentingEventsPerSecond: s.segmentingEventsPerSecond, sites: s.sites / s.done });
    console.log(JSON.stringify(rows[rows.length - 1]));
  }
}
for (const name of ["2d-1008x3456", "3d-512"]) {
  const [a, b] = rows.filter((r) => r.events === name);
  console.log(`${name}: ${a.sites.toFixed(0)} sites/event; while segmenting: 1 worker ${a.segmentingEventsPerSecond.toFixed(2)} events/s, 2 workers ${b.segmentingEventsPerSecond.toFixed(2)} events/s: x${(b.segmentingEventsPerSecond / a.segmentingEventsPerSecond).toFixed(2)}; ` +
    `end to end (start-up, final merge): ${a.eventsPerSecond.toFixed(2)} vs ${b.eventsPerSecond.toFixed(2)} events/s: x${(b.eventsPerSecond / a.eventsPerSecond).toFixed(2)}`);
}
rmSync(dir, { recursive: true, force: true });
