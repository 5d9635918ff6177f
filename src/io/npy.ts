// NumPy .npy (format 1.0-3.0) read/write for little-endian numeric arrays in C order; .npz is a
// zip of .npy files (fflate). Big-endian or Fortran-order arrays are refused by name.

import { unzipSync, zipSync } from "fflate";
import { InvalidInputError } from "../errors.js";

export type NpyArray = { dtype: string; shape: number[]; data: Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array | BigInt64Array };

const CTORS: Record<string, { new (b: ArrayBuffer, o: number, n: number): NpyArray["data"]; BYTES_PER_ELEMENT: number }> = {
  f4: Float32Array, f8: Float64Array, i4: Int32Array, u1: Uint8Array, i1: Int8Array, i2: Int16Array, u2: Uint16Array, u4: Uint32Array, i8: BigInt64Array, b1: Uint8Array,
};

export function parseNpy(buf: Uint8Array, what: string): NpyArray {
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
  if (buf.length < 10 || magic.some((m, i) => buf[i] !== m)) throw new InvalidInputError(`${what}: not a .npy file (bad magic)`);
  const major = buf[6];
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const hlen = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  if (start + hlen > buf.length) throw new InvalidInputError(`${what}: truncated header`);
  const header = new TextDecoder().decode(buf.subarray(start, start + hlen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeText === undefined) throw new InvalidInputError(`${what}: malformed header ${header.trim()}`);
  if (fortran === "True") throw new InvalidInputError(`${what}: Fortran-order arrays are not supported (save with np.ascontiguousarray)`);
  const order = descr[0], code = descr.slice(1);
  if (order === ">" && code !== "u1" && code !== "i1" && code !== "b1") throw new InvalidInputError(`${what}: big-endian dtype ${descr} is not supported`);
  const Ctor = CTORS[code];
  if (!Ctor) throw new InvalidInputError(`${what}: dtype ${descr} is not supported`);
  const shape = shapeText.split(",").map((s) => s.trim()).filter(Boolean).map(Number);
  const n = shape.reduce((a, b) => a * b, 1);
  const off = start + hlen;
  if (off + n * Ctor.BYTES_PER_ELEMENT > buf.length) throw new InvalidInputError(`${what}: ${n} elements of ${descr} need ${n * Ctor.BYTES_PER_ELEMENT} bytes, the file has ${buf.length - off}`);
  const copy = buf.slice(off, off + n * Ctor.BYTES_PER_ELEMENT);
  return { dtype: code, shape, data: new Ctor(copy.buffer, 0, n) };
}

export function serializeNpy(a: NpyArray): Uint8Array {
  const code = Object.entries(CTORS).find(([k, C]) => k !== "b1" && a.data instanceof C)?.[0];
  if (!code) throw new InvalidInputError(`cannot write ${a.data.constructor.name} as .npy`);
  const descr = `${code === "u1" || code === "i1" ? "|" : "<"}${code}`;
  const shape = a.shape.length === 1 ? `(${a.shape[0]},)` : `(${a.shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += " ".repeat((64 - ((10 + header.length + 1) % 64)) % 64) + "\n";
  const out = new Uint8Array(10 + header.length + a.data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), 10 + header.length);
  return out;
}

export function parseNpz(buf: Uint8Array, what: string): Map<string, NpyArray> {
  let files: Record<string, Uint8Array>;
  try { files = unzipSync(buf); } catch (e) {
    throw new InvalidInputError(`${what}: not a readable .npz (zip) file (${(e as Error).message})`);
  }
  const out = new Map<string, NpyArray>();
  for (const [name, bytes] of Object.entries(files)) {
    if (!name.endsWith(".npy")) continue;
    out.set(name.slice(0, -4), parseNpy(bytes, `${what}:${name}`));
  }
  return out;
}

export function serializeNpz(arrays: Map<string, NpyArray>, compress = true): Uint8Array {
  const files: Record<string, [Uint8Array, { level: 0 | 6 }]> = {};
  for (const [name, a] of arrays) files[`${name}.npy`] = [serializeNpy(a), { level: compress ? 6 : 0 }];
  return zipSync(files);
}
