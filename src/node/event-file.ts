// Reading events from disk (Node only). An event is a safetensors file with `coords` (int32
// [N, dim]), `features` (float32 [N, C] or [N]) and optionally `batch` (int32 [N]); the spatial size
// comes from the file's __metadata__.spatialSize (JSON), from a manifest.json beside it, or from
// the caller. A directory holding event.safetensors (and manifest.json) is accepted too.

import { existsSync, readFileSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { eventsFileKind } from "../io/events-file-kind.js";
import { InvalidInputError } from "../errors.js";
import type { SparseTensor } from "../tensor/sparse-tensor.js";
import { asFloat32, asInt32, parseSafetensors } from "../weights/safetensors.js";

export interface EventFile {
  tensor: SparseTensor;
  path: string;
  manifest?: Record<string, unknown>;
  /** Other tensors in the file (labels, weights, ...). */
  extra: Map<string, { shape: number[] }>;
}

export function readEventFile(path: string, spatialSize?: number[]): EventFile {
  let file = path;
  if (existsSync(path) && statSync(path).isDirectory()) file = join(path, "event.safetensors");
  if (!existsSync(file)) throw new InvalidInputError(`event file ${file} does not exist`);
  const manifestPath = join(dirname(file), "manifest.json");
  const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, unknown> : undefined;
  const bytes = new Uint8Array(readFileSync(file));
  const kind = eventsFileKind(bytes, file);
  if (kind) {
    throw new InvalidInputError(`${file} is ${kind === "hdf5" ? "an HDF5" : "an npz"} file of events, not one event (a safetensors file or a folder with event.safetensors): ` +
      `files of events are read by segment --input, evaluate --data and train --data`);
  }
  const f = parseSafetensors(bytes, file);
  const coordsRaw = f.tensors.get("coords");
  const featRaw = f.tensors.get("features");
  if (!coordsRaw) throw new InvalidInputError(`${file}: no "coords" tensor`);
  if (!featRaw) throw new InvalidInputError(`${file}: no "features" tensor`);
  if (coordsRaw.shape.length !== 2) throw new InvalidInputError(`${file}: coords has shape [${coordsRaw.shape}], expected [N, dim]`);
  const [n, dim] = coordsRaw.shape;
  if (dim !== 2 && dim !== 3) throw new InvalidInputError(`${file}: coords has ${dim} columns; only 2D and 3D events are supported`);
  const channels = featRaw.shape.length === 1 ? 1 : featRaw.shape[1];
  if (featRaw.shape[0] !== n || featRaw.shape.length > 2) {
    throw new InvalidInputError(`${file}: features has shape [${featRaw.shape}], expected [${n}, C]`);
  }
  let size = spatialSize;
  if (!size && f.metadata.spatialSize) size = JSON.parse(f.metadata.spatialSize) as number[];
  if (!size && manifest?.spatialSize) size = manifest.spatialSize as number[];
  if (!size) throw new InvalidInputError(`${file}: spatial size unknown (no __metadata__.spatialSize, no manifest.json): pass --spatial-size`);
  const batchRaw = f.tensors.get("batch");
  const tensor: SparseTensor = {
    dim: dim as 2 | 3, spatialSize: size, channels,
    coords: asInt32(coordsRaw, "coords"), features: asFloat32(featRaw, "features"),
    batch: batchRaw ? asInt32(batchRaw, "batch") : undefined,
  };
  const extra = new Map<string, { shape: number[] }>();
  for (const [name, t] of f.tensors) if (!["coords", "features", "batch"].includes(name)) extra.set(name, { shape: t.shape });
  return { tensor, path: file, manifest, extra };
}

