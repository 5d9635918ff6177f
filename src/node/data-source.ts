// Where training and evaluation events come from, named on the command line:
//   sim:3d[:SIZE][@SEED]   the generator, endless (SIZE default 192; SEED default 1)
//   sim:2d[:PLANE][@SEED]  2D wire-plane images (PLANE default Y)
//   a file the readers accept (events with labels).
// Simulated training and test sets are told apart by their seed.

import type { LabelledEvent } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";
import { simulateEvent, type SimConfig } from "../sim/index.js";
import type { TrainingSource } from "../train/trainer.js";
import { openEventFile } from "./open-events.js";

export interface DataSource extends TrainingSource {
  close(): void;
}

export function parseSimSpec(spec: string): { config: SimConfig; seed: number } | undefined {
  const m = /^sim:(2d|3d)(?::([A-Za-z0-9]+))?(?:@(\d+))?$/.exec(spec);
  if (!m) return undefined;
  const seed = m[3] === undefined ? 1 : Number(m[3]);
  if (m[1] === "3d") {
    const size = m[2] === undefined ? 192 : Number(m[2]);
    return { config: { dim: 3, size }, seed };
  }
  const plane = (m[2] ?? "Y").toUpperCase();
  if (!["U", "V", "Y"].includes(plane)) throw new InvalidInputError(`${spec}: plane ${plane}, expected U, V or Y`);
  return { config: { dim: 2, plane: plane as "U" | "V" | "Y" }, seed };
}

export function openDataSource(spec: string): DataSource {
  const sim = parseSimSpec(spec);
  if (sim) {
    return { event: (i: number): LabelledEvent => simulateEvent(sim.config, sim.seed, i), describe: spec, close: () => {} };
  }
  if (spec.startsWith("sim:")) throw new InvalidInputError(`${spec}: expected sim:3d[:SIZE][@SEED] or sim:2d[:PLANE][@SEED]`);
  const f = openEventFile(spec);
  return { count: f.count, event: (i) => f.read(i), describe: spec, close: () => f.close() };
}
