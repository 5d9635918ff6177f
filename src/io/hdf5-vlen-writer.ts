// A minimal HDF5 writer for what h5wasm cannot write: one-dimensional datasets whose elements are
// variable-length sequences of numbers (the PILArNet-M layout: one float32 sequence per event),
// plus fixed-size numeric datasets. h5wasm (libhdf5 compiled to wasm) writes only fixed-size and
// vlen-string data; there is no other HDF5 writer for JavaScript. So the file format is written
// here, streaming, following the HDF5 File Format Specification v3: superblock version 2, version-2
// object headers with compact links in the root group, contiguous storage, and the vlen data in
// global heap collections of ~1 MiB appended as events arrive (the readers fetch one collection per
// event they read). Read back with h5wasm (libhdf5 itself) and h5py in the tests.

import { closeSync, openSync, writeSync } from "node:fs";
import { InvalidInputError } from "../errors.js";
import { HDF5_SIGNATURE } from "./hdf5-signature.js";

/** f16 data is passed as Uint16Array holding IEEE half-precision bits (see toFloat16). */
export type NumericType = "f16" | "f32" | "f64" | "i32" | "i64" | "u8" | "u16" | "i16" | "u32";
const TYPE_BYTES: Record<NumericType, number> = { f16: 2, f32: 4, f64: 8, i32: 4, i64: 8, u8: 1, u16: 2, i16: 2, u32: 4 };
const UNDEF = 0xffffffffffffffffn;
const COLLECTION_TARGET = 1 << 20;
const MAX_OBJECTS = 65000;

type Typed = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Uint16Array | Int16Array | Uint32Array;

interface VlenDataset { name: string; type: NumericType; ids: Uint8Array[]; count: number }
interface FixedDataset { name: string; type: NumericType; shape: number[]; data: Typed }

export class Hdf5VlenWriter {
  private fd: number;
  private offset = 48; // superblock written last, at 0
  private vlen = new Map<string, VlenDataset>();
  private fixed: FixedDataset[] = [];
  // The collection being filled: its objects (data) and size so far.
  private pending: { dataset: VlenDataset; slot: number; bytes: Uint8Array }[] = [];
  private pendingBytes = 0;
  private closed = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, "w");
    this.write(new Uint8Array(48), 0);
  }

  /** Declares a vlen dataset; sequences are then appended in order with append(). */
  declareVlen(name: string, type: NumericType): void {
    checkName(name);
    this.vlen.set(name, { name, type, ids: [], count: 0 });
  }

  /** Appends the next element (a sequence) of vlen dataset `name`. */
  append(name: string, values: Typed): void {
    const d = this.vlen.get(name);
    if (!d) throw new InvalidInputError(`HDF5 writer: dataset "${name}" was not declared`);
    if (values.BYTES_PER_ELEMENT !== TYPE_BYTES[d.type]) throw new InvalidInputError(`HDF5 writer: "${name}" holds ${d.type}, got ${values.constructor.name}`);
    const slot = d.count++;
    const bytes = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    const id = new Uint8Array(16);
    new DataView(id.buffer).setUint32(0, values.length, true);
    d.ids.push(id);
    if (values.length === 0) return; // empty sequence: heap address 0, index 0
    this.pending.push({ dataset: d, slot, bytes: bytes.slice() });
    this.pendingBytes += 16 + align8(bytes.length);
    if (this.pendingBytes >= COLLECTION_TARGET || this.pending.length >= MAX_OBJECTS) this.flushCollection();
  }

  /** A fixed-size numeric dataset written whole. */
  fixedDataset(name: string, type: NumericType, shape: number[], data: Typed): void {
    checkName(name);
    if (shape.reduce((a, b) => a * b, 1) !== data.length) throw new InvalidInputError(`HDF5 writer: "${name}" shape [${shape}] does not match ${data.length} values`);
    this.fixed.push({ name, type, shape, data });
  }

  private flushCollection(): void {
    if (this.pending.length === 0) return;
    let size = 16 + this.pendingBytes;
    const free = size < 4096 ? 4096 - size : 0;
    size += free;
    const buf = new Uint8Array(size), dv = new DataView(buf.buffer);
    buf.set([0x47, 0x43, 0x4f, 0x4c, 1, 0, 0, 0]); // "GCOL", version 1
    dv.setBigUint64(8, BigInt(size), true);
    let p = 16;
    const addr = this.offset;
    this.pending.forEach((o, k) => {
      const index = k + 1;
      dv.setUint16(p, index, true);
      dv.setUint16(p + 2, 1, true); // reference count
      dv.setBigUint64(p + 8, BigInt(o.bytes.length), true);
      buf.set(o.bytes, p + 16);
      p += 16 + align8(o.bytes.length);
      const id = new DataView(o.dataset.ids[o.slot].buffer);
      id.setBigUint64(4, BigInt(addr), true);
      id.setUint32(12, index, true);
    });
    if (free) {
      // Object 0 is the collection's free space; its size includes its own header.
      dv.setBigUint64(p + 8, BigInt(free), true);
    }
    this.write(buf, addr);
    this.offset += size;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Writes the datasets' index arrays, object headers and the superblock, and closes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flushCollection();
      const links: [string, number][] = [];
      for (const d of this.vlen.values()) {
        const data = new Uint8Array(16 * d.count);
        d.ids.forEach((id, i) => data.set(id, 16 * i));
        const dataAddr = this.appendBlock(data);
        links.push([d.name, this.appendBlock(datasetHeader([d.count], vlenType(d.type), dataAddr, data.length))]);
      }
      for (const f of this.fixed) {
        const bytes = new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength);
        const dataAddr = this.appendBlock(bytes);
        links.push([f.name, this.appendBlock(datasetHeader(f.shape, numericType(f.type), dataAddr, bytes.length))]);
      }
      const root = this.appendBlock(groupHeader(links));
      const sb = new Uint8Array(48), dv = new DataView(sb.buffer);
      sb.set([...HDF5_SIGNATURE, 2, 8, 8, 0]);
      dv.setBigUint64(12, 0n, true);
      dv.setBigUint64(20, UNDEF, true);
      dv.setBigUint64(28, BigInt(this.offset), true);
      dv.setBigUint64(36, BigInt(root), true);
      dv.setUint32(44, lookup3(sb.subarray(0, 44)), true);
      this.write(sb, 0);
    } finally {
      closeSync(this.fd);
    }
  }

  private appendBlock(b: Uint8Array): number {
    const at = this.offset;
    this.write(b, at);
    this.offset += b.length;
    return at;
  }

  private write(b: Uint8Array, at: number): void {
    let done = 0;
    while (done < b.length) done += writeSync(this.fd, b, done, b.length - done, at + done);
  }
}

function checkName(name: string): void {
  if (!/^[A-Za-z0-9_.-]{1,200}$/.test(name)) throw new InvalidInputError(`HDF5 writer: dataset name "${name}" must be plain ASCII without "/"`);
}

const align8 = (n: number) => (n + 7) & ~7;

/** Datatype message bodies (class+version byte, 3 bit-field bytes, size, properties). */
function numericType(t: NumericType): Uint8Array {
  const size = TYPE_BYTES[t];
  if (t === "f16") {
    const b = new Uint8Array(20), dv = new DataView(b.buffer);
    b[0] = 0x11; b[1] = 0x20; b[2] = 15; b[3] = 0;
    dv.setUint32(4, 2, true);
    dv.setUint16(8, 0, true); dv.setUint16(10, 16, true);
    b[12] = 10; b[13] = 5; b[14] = 0; b[15] = 10; dv.setUint32(16, 15, true);
    return b;
  }
  if (t === "f32" || t === "f64") {
    const b = new Uint8Array(20), dv = new DataView(b.buffer);
    b[0] = 0x11; b[1] = 0x20; b[2] = size * 8 - 1; b[3] = 0; // LE, implied-msb mantissa, sign bit
    dv.setUint32(4, size, true);
    dv.setUint16(8, 0, true); dv.setUint16(10, size * 8, true);
    if (size === 4) { b[12] = 23; b[13] = 8; b[14] = 0; b[15] = 23; dv.setUint32(16, 127, true); }
    else { b[12] = 52; b[13] = 11; b[14] = 0; b[15] = 52; dv.setUint32(16, 1023, true); }
    return b;
  }
  const b = new Uint8Array(12), dv = new DataView(b.buffer);
  b[0] = 0x10; b[1] = t.startsWith("i") ? 0x08 : 0;
  dv.setUint32(4, size, true);
  dv.setUint16(8, 0, true); dv.setUint16(10, size * 8, true);
  return b;
}

function vlenType(t: NumericType): Uint8Array {
  const base = numericType(t);
  const b = new Uint8Array(8 + base.length);
  b[0] = 0x19; // version 1, class 9 (variable-length), type 0 = sequence
  new DataView(b.buffer).setUint32(4, 16, true); // on disk: length + global heap id
  b.set(base, 8);
  return b;
}

function message(type: number, body: Uint8Array): Uint8Array {
  const m = new Uint8Array(4 + body.length), dv = new DataView(m.buffer);
  m[0] = type;
  dv.setUint16(1, body.length, true);
  m[3] = 0;
  m.set(body, 4);
  return m;
}

function objectHeader(messages: Uint8Array[]): Uint8Array {
  const chunk = messages.reduce((a, m) => a + m.length, 0);
  const h = new Uint8Array(4 + 2 + 4 + chunk + 4), dv = new DataView(h.buffer);
  h.set([0x4f, 0x48, 0x44, 0x52, 2, 0x02]); // "OHDR", version 2, 4-byte chunk size
  dv.setUint32(6, chunk, true);
  let p = 10;
  for (const m of messages) { h.set(m, p); p += m.length; }
  dv.setUint32(p, lookup3(h.subarray(0, p)), true);
  return h;
}

function datasetHeader(shape: number[], datatype: Uint8Array, dataAddr: number, dataBytes: number): Uint8Array {
  const space = new Uint8Array(4 + 8 * shape.length), sdv = new DataView(space.buffer);
  space.set([2, shape.length, 0, 1]); // version 2, rank, no max dims, simple
  shape.forEach((s, i) => sdv.setBigUint64(4 + 8 * i, BigInt(s), true));
  const fill = new Uint8Array([3, 0x01 | (1 << 2)]); // version 3: allocated early, never filled
  const layout = new Uint8Array(18), ldv = new DataView(layout.buffer);
  layout.set([3, 1]); // version 3, contiguous
  ldv.setBigUint64(2, BigInt(dataAddr), true);
  ldv.setBigUint64(10, BigInt(dataBytes), true);
  return objectHeader([message(1, space), message(3, datatype), message(5, fill), message(8, layout)]);
}

function groupHeader(links: [string, number][]): Uint8Array {
  const linkInfo = new Uint8Array(18), lv = new DataView(linkInfo.buffer);
  lv.setBigUint64(2, UNDEF, true); // no fractal heap: links are stored in the header
  lv.setBigUint64(10, UNDEF, true);
  const groupInfo = new Uint8Array(2);
  const msgs = [message(2, linkInfo), message(10, groupInfo)];
  for (const [name, addr] of links) {
    const nb = new TextEncoder().encode(name);
    const body = new Uint8Array(3 + nb.length + 8);
    body[0] = 1; body[1] = 0; body[2] = nb.length; // version 1, hard link, 1-byte name length
    body.set(nb, 3);
    new DataView(body.buffer).setBigUint64(3 + nb.length, BigInt(addr), true);
    msgs.push(message(6, body));
  }
  return objectHeader(msgs);
}

/** Bob Jenkins' lookup3 hashlittle, HDF5's metadata checksum (H5_checksum_lookup3, initval 0). */
export function lookup3(k: Uint8Array, initval = 0): number {
  let length = k.length;
  let a = (0xdeadbeef + length + initval) >>> 0, b = a, c = a;
  const rot = (x: number, s: number) => ((x << s) | (x >>> (32 - s))) >>> 0;
  let o = 0;
  const w = (i: number) => k[o + i] | (k[o + i + 1] << 8) | (k[o + i + 2] << 16) | (k[o + i + 3] << 24);
  while (length > 12) {
    a = (a + w(0)) >>> 0; b = (b + w(4)) >>> 0; c = (c + w(8)) >>> 0;
    a = (a - c) >>> 0; a ^= rot(c, 4); c = (c + b) >>> 0;
    b = (b - a) >>> 0; b ^= rot(a, 6); a = (a + c) >>> 0;
    c = (c - b) >>> 0; c ^= rot(b, 8); b = (b + a) >>> 0;
    a = (a - c) >>> 0; a ^= rot(c, 16); c = (c + b) >>> 0;
    b = (b - a) >>> 0; b ^= rot(a, 19); a = (a + c) >>> 0;
    c = (c - b) >>> 0; c ^= rot(b, 4); b = (b + a) >>> 0;
    length -= 12; o += 12;
  }
  if (length === 0) return c >>> 0;
  const byte = (i: number) => (i < length ? k[o + i] : 0);
  a = (a + (byte(0) | (byte(1) << 8) | (byte(2) << 16) | (byte(3) << 24))) >>> 0;
  b = (b + (byte(4) | (byte(5) << 8) | (byte(6) << 16) | (byte(7) << 24))) >>> 0;
  c = (c + (byte(8) | (byte(9) << 8) | (byte(10) << 16) | (byte(11) << 24))) >>> 0;
  c ^= b; c = (c - rot(b, 14)) >>> 0;
  a ^= c; a = (a - rot(c, 11)) >>> 0;
  b ^= a; b = (b - rot(a, 25)) >>> 0;
  c ^= b; c = (c - rot(b, 16)) >>> 0;
  a ^= c; a = (a - rot(c, 4)) >>> 0;
  b ^= a; b = (b - rot(a, 14)) >>> 0;
  c ^= b; c = (c - rot(b, 24)) >>> 0;
  return c >>> 0;
}

/** IEEE half-precision bits of each value (round to nearest even; overflow to infinity). */
export function toFloat16(v: Float32Array): Uint16Array {
  const out = new Uint16Array(v.length), f = new Float32Array(1), u = new Uint32Array(f.buffer);
  for (let i = 0; i < v.length; i++) {
    f[0] = v[i];
    const x = u[0], sign = (x >>> 16) & 0x8000, e = (x >>> 23) & 0xff, m = x & 0x7fffff;
    let h: number;
    if (e === 0xff) h = sign | 0x7c00 | (m ? 0x200 : 0);
    else {
      const E = e - 127 + 15;
      if (E >= 0x1f) h = sign | 0x7c00;
      else if (E <= 0) {
        if (E < -10) h = sign;
        else {
          const mm = m | 0x800000, shift = 14 - E, half = 1 << (shift - 1);
          let r = mm >>> shift;
          const rem = mm & ((1 << shift) - 1);
          if (rem > half || (rem === half && (r & 1))) r++;
          h = sign | r;
        }
      } else {
        let r = (E << 10) | (m >>> 13);
        const rem = m & 0x1fff;
        if (rem > 0x1000 || (rem === 0x1000 && (r & 1))) r++;
        h = sign | r;
      }
    }
    out[i] = h;
  }
  return out;
}
