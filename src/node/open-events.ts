// Opening event files by format. Safetensors single events (with optional labels/instances);
// HDF5 and NumPy readers plug in here.

import { readFileSync } from "node:fs";
import type { LabelledEvent } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";
import { parseSafetensors, typed } from "../weights/safetensors.js";
import { readEventFile } from "./event-file.js";

export interface EventFileReader {
  count: number;
  format: string;
  read(i: number): LabelledEvent;
  close(): void;
}

export function openEventFile(path: string): EventFileReader {
  const ev = readEventFile(path);
  const f = parseSafetensors(new Uint8Array(readFileSync(ev.path)), ev.path);
  const n = ev.tensor.coords.length / ev.tensor.dim;
  const labelsRaw = f.tensors.get("labels"), instRaw = f.tensors.get("instances");
  const labels = labelsRaw ? Uint8Array.from(typed(labelsRaw, "labels", ["U8", "I32", "I64"]).data as ArrayLike<number | bigint>, (v) => Number(v)) : undefined;
  if (labels && labels.length !== n) throw new InvalidInputError(`${ev.path}: labels has ${labels.length} entries for ${n} rows`);
  const instances = instRaw ? Int32Array.from(typed(instRaw, "instances", ["I32", "I64"]).data as ArrayLike<number | bigint>, (v) => Number(v)) : undefined;
  const event: LabelledEvent = { index: 0, tensor: ev.tensor, labels, instances, meta: ev.manifest };
  return {
    count: 1, format: "safetensors",
    read: (i) => { if (i !== 0) throw new InvalidInputError(`${ev.path} holds one event; event ${i} does not exist`); return event; },
    close: () => {},
  };
}
