// Writing event files, event by event, by extension: .h5/.hdf5 (PILArNet-M layout for 3D events by
// default, sparsessnet's layout for 2D or on request), .npz (all events with event_offsets),
// .safetensors (one event). Files are written under "<path>.tmp" and renamed when closed, so an
// interrupted run never leaves a half-written file under the final name.

import { renameSync, rmSync, writeFileSync } from "node:fs";
import type { LabelledEvent } from "../data/labelled-event.js";
import { IGNORE_LABEL } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";
import { Hdf5VlenWriter } from "../io/hdf5-vlen-writer.js";
import { serializeNpz, type NpyArray } from "../io/npy.js";
import { appendPilarnetEvent } from "../io/pilarnet.js";
import { appendSparseEvent, declareSparseLayout } from "../io/sparse-layout.js";
import { serializeSafetensors } from "../weights/safetensors.js";

export interface EventWriter {
  append(ev: LabelledEvent): void;
  close(): void;
  /** Drops the temporary file. */
  abort(): void;
}

export function createEventWriter(path: string, o: { layout?: "pilarnet" | "sparse" } = {}): EventWriter {
  const tmp = `${path}.tmp`;
  const finish = () => renameSync(tmp, path);
  if (/\.(h5|hdf5)$/i.test(path)) {
    const w = new Hdf5VlenWriter(tmp);
    let layout: "pilarnet" | "sparse" | undefined = o.layout;
    let size: number[] | undefined;
    return {
      append(ev) {
        if (!layout) layout = ev.tensor.dim === 3 ? "pilarnet" : "sparse";
        if (!size) {
          size = ev.tensor.spatialSize;
          if (layout === "pilarnet") { w.declareVlen("point", "f32"); w.declareVlen("cluster", "f32"); w.declareVlen("cluster_extra", "f32"); }
          else declareSparseLayout(w);
        } else if (ev.tensor.spatialSize.some((s, a) => s !== size![a]) || ev.tensor.spatialSize.length !== size.length) {
          throw new InvalidInputError(`event ${ev.index} has size [${ev.tensor.spatialSize}], the file [${size}]`);
        }
        if (layout === "pilarnet") {
          if (ev.tensor.spatialSize.some((s) => s !== ev.tensor.spatialSize[0])) throw new InvalidInputError(`the PILArNet-M layout holds cubes; event ${ev.index} is [${ev.tensor.spatialSize}]`);
          appendPilarnetEvent(w, ev);
        } else appendSparseEvent(w, ev);
      },
      close() {
        if (size) w.fixedDataset("spatial_size", "i32", [size.length], Int32Array.from(size));
        w.close();
        finish();
      },
      abort() { try { w.close(); } finally { rmSync(tmp, { force: true }); } },
    };
  }
  if (/\.npz$/i.test(path)) {
    const events: LabelledEvent[] = [];
    return {
      append(ev) { events.push(ev); },
      close() {
        if (!events.length) throw new InvalidInputError(`${path}: no events to write`);
        const dim = events[0].tensor.dim, C = events[0].tensor.channels;
        const offsets = [0];
        for (const e of events) offsets.push(offsets[offsets.length - 1] + e.tensor.coords.length / dim);
        const n = offsets[offsets.length - 1];
        const cat = <T extends Int32Array | Float32Array | Uint8Array>(C_: { new (n: number): T }, len: number, get: (e: LabelledEvent) => ArrayLike<number>) => {
          const out = new C_(len);
          let p = 0;
          for (const e of events) { const v = get(e); (out as unknown as { set(a: ArrayLike<number>, o: number): void }).set(v, p); p += v.length; }
          return out;
        };
        const arrays = new Map<string, NpyArray>([
          ["coords", { dtype: "i4", shape: [n, dim], data: cat(Int32Array, n * dim, (e) => e.tensor.coords) }],
          ["features", { dtype: "f4", shape: C === 1 ? [n] : [n, C], data: cat(Float32Array, n * C, (e) => e.tensor.features) }],
          ["labels", { dtype: "u1", shape: [n], data: cat(Uint8Array, n, (e) => e.labels ?? new Uint8Array(e.tensor.coords.length / dim).fill(IGNORE_LABEL)) }],
          ["instances", { dtype: "i4", shape: [n], data: cat(Int32Array, n, (e) => e.instances ?? new Int32Array(e.tensor.coords.length / dim).fill(-1)) }],
          ["spatial_size", { dtype: "i4", shape: [dim], data: Int32Array.from(events[0].tensor.spatialSize) }],
          ["event_offsets", { dtype: "i4", shape: [offsets.length], data: Int32Array.from(offsets) }],
        ]);
        writeFileSync(tmp, serializeNpz(arrays));
        finish();
      },
      abort() { rmSync(tmp, { force: true }); },
    };
  }
  if (/\.safetensors$/i.test(path)) {
    let one: LabelledEvent | undefined;
    return {
      append(ev) { if (one) throw new InvalidInputError(`${path}: a safetensors event file holds one event`); one = ev; },
      close() {
        if (!one) throw new InvalidInputError(`${path}: no event to write`);
        const t = one.tensor, n = t.coords.length / t.dim;
        writeFileSync(tmp, serializeSafetensors({
          coords: { dtype: "I32", shape: [n, t.dim], data: t.coords },
          features: { dtype: "F32", shape: [n, t.channels], data: t.features },
          ...(one.labels ? { labels: { dtype: "U8", shape: [n], data: one.labels } } : {}),
          ...(one.instances ? { instances: { dtype: "I32", shape: [n], data: one.instances } } : {}),
        }, { spatialSize: JSON.stringify(t.spatialSize) }));
        finish();
      },
      abort() { rmSync(tmp, { force: true }); },
    };
  }
  throw new InvalidInputError(`${path}: unknown output format (use .h5, .npz or .safetensors)`);
}
