// Streaming check: writes an HDF5 file of 100,000 small events (PILArNet-M layout), then reads it
// back event by event, reporting events/s and RSS (start, peak, end): memory must stay flat.
// Usage: node dist/bench/io-stream.js [events]
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEventWriter } from "../src/node/event-writer.js";
import { openEventFile } from "../src/node/open-events.js";

const n = Number(process.argv[2] ?? 100_000);
const dir = mkdtempSync(join(tmpdir(), "sparsessnet-stream-"));
const path = join(dir, "stream.h5");
const mib = () => process.memoryUsage().rss / 2 ** 20;
let t0 = performance.now();
const w = createEventWriter(path);
for (let i = 0; i < n; i++) {
  const sites = 20 + (i % 50);
  const coords = Int32Array.from({ length: 3 * sites }, (_, k) => (i * 7 + k * 13) % 64);
  w.append({ index: i, tensor: { dim: 3, spatialSize: [64, 64, 64], channels: 1, coords, features: new Float32Array(sites).fill(1 + (i % 3)) },
    labels: new Uint8Array(sites).fill(i % 5), instances: new Int32Array(sites).fill(1) });
}
w.close();
const writeS = (performance.now() - t0) / 1000;
console.log(`wrote ${n} events (${(statSync(path).size / 2 ** 20).toFixed(0)} MiB) in ${writeS.toFixed(1)} s: ${(n / writeS).toFixed(0)} events/s`);
const rssStart = mib();
let peak = rssStart, sites = 0;
t0 = performance.now();
const f = openEventFile(path);
for (let i = 0; i < f.count; i++) {
  sites += f.read(i).tensor.coords.length / 3;
  if (i % 1000 === 0) peak = Math.max(peak, mib());
}
f.close();
const readS = (performance.now() - t0) / 1000;
console.log(`read ${f.count} events (${sites} sites) in ${readS.toFixed(1)} s: ${(f.count / readS).toFixed(0)} events/s; RSS start ${rssStart.toFixed(0)} MiB, peak ${peak.toFixed(0)} MiB, end ${mib().toFixed(0)} MiB`);
rmSync(dir, { recursive: true, force: true });
