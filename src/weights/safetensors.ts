// safetensors: 8-byte little-endian header length N, N bytes of JSON
// {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {string: string}}, then the
// raw little-endian data. Parsing checks everything a truncated or lying file could get wrong
// and names the tensor at fault.

import { InvalidWeightsError } from "../errors.js";

export type DType = "F32" | "F64" | "I32" | "I64" | "U8" | "I8" | "F16" | "BF16" | "I16" | "U16" | "U32" | "U64" | "BOOL";
const DTYPE_BYTES: Record<DType, number> = {
  F64: 8, I64: 8, U64: 8, F32: 4, I32: 4, U32: 4, F16: 2, BF16: 2, I16: 2, U16: 2, U8: 1, I8: 1, BOOL: 1,
};

export interface RawTensor {
  dtype: DType;
  shape: number[];
  /** The tensor's bytes, aligned for its dtype (safe to view): a view into the file's bytes
   *  where those are aligned, else a copy. */
  bytes: Uint8Array;
}

export type TypedData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array;

export interface Tensor<T extends TypedData = TypedData> {
  dtype: DType;
  shape: number[];
  data: T;
}

export interface SafetensorsFile {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

const MAX_HEADER = 100 * 1024 * 1024;

/** The header of a safetensors file from its first bytes (at least 8 + the header's length):
 *  the header's length, its JSON object and its metadata. */
export function safetensorsHeader(buf: Uint8Array, what = "safetensors file"): { headerLen: number; header: Record<string, unknown>; metadata: Record<string, string> } {
  if (buf.byteLength < 8) throw new InvalidWeightsError(`${what}: ${buf.byteLength} bytes, too short for the 8-byte header length`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (headerLen > MAX_HEADER || 8 + headerLen > buf.byteLength) {
    throw new InvalidWeightsError(`${what}: header claims ${headerLen} bytes but the file has ${buf.byteLength - 8} after the length (truncated or not safetensors)`);
  }
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(buf.subarray(8, 8 + headerLen)));
  } catch (e) {
    throw new InvalidWeightsError(`${what}: header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (typeof header !== "object" || header === null || Array.isArray(header)) {
    throw new InvalidWeightsError(`${what}: header is not a JSON object`);
  }
  const metadata = ((header as Record<string, unknown>).__metadata__ ?? {}) as Record<string, string>;
  return { headerLen, header: header as Record<string, unknown>, metadata };
}

/** Bytes to read from the start of a safetensors file for safetensorsHeader (given its first 8). */
export function safetensorsHeaderBytes(first8: Uint8Array): number {
  return 8 + Number(new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true));
}

export function parseSafetensors(buf: Uint8Array, what = "safetensors file"): SafetensorsFile {
  const { headerLen, header, metadata } = safetensorsHeader(buf, what);
  const dataStart = 8 + headerLen;
  const dataLen = buf.byteLength - dataStart;
  const tensors = new Map<string, RawTensor>();
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") continue;
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof e !== "object" || e === null) throw new InvalidWeightsError(`${what}: tensor "${name}": header entry is not an object`);
    if (typeof e.dtype !== "string" || !(e.dtype in DTYPE_BYTES)) {
      throw new InvalidWeightsError(`${what}: tensor "${name}": unknown dtype ${JSON.stringify(e.dtype)}`);
    }
    const dtype = e.dtype as DType;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new InvalidWeightsError(`${what}: tensor "${name}": shape ${JSON.stringify(e.shape)} is not a list of non-negative integers`);
    }
    const shape = e.shape as number[];
    if (!Array.isArray(e.data_offsets) || e.data_offsets.length !== 2 || !e.data_offsets.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new InvalidWeightsError(`${what}: tensor "${name}": data_offsets ${JSON.stringify(e.data_offsets)} is not [begin, end]`);
    }
    const [begin, end] = e.data_offsets as [number, number];
    const expected = shape.reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
    if (end < begin || end - begin !== expected) {
      throw new InvalidWeightsError(`${what}: tensor "${name}": data_offsets [${begin}, ${end}] hold ${end - begin} bytes, but ${dtype} ${JSON.stringify(shape)} needs ${expected}`);
    }
    if (end > dataLen) {
      throw new InvalidWeightsError(`${what}: tensor "${name}": data_offsets end ${end} is past the end of the data (${dataLen} bytes; truncated file?)`);
    }
    spans.push([begin, end, name]);
    // A view into the file when it is aligned for its dtype (the usual case: writers pad the
    // header to 8 bytes), so that loading a model does not hold a second copy of it.
    // (Uint8Array's slice, not the argument's own: a Node Buffer's slice is a view, not a copy.)
    const aligned = (buf.byteOffset + dataStart + begin) % DTYPE_BYTES[dtype] === 0;
    tensors.set(name, { dtype, shape, bytes: aligned ? buf.subarray(dataStart + begin, dataStart + end) : Uint8Array.prototype.slice.call(buf, dataStart + begin, dataStart + end) });
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) {
      throw new InvalidWeightsError(`${what}: tensors "${spans[i - 1][2]}" and "${spans[i][2]}" overlap in the data section`);
    }
  }
  return { tensors, metadata };
}

/** Typed view of a raw tensor; throws unless its dtype is one of `allowed`. */
export function typed(raw: RawTensor, name: string, allowed: DType[] = ["F32"]): Tensor {
  if (!allowed.includes(raw.dtype)) {
    throw new InvalidWeightsError(`tensor "${name}": dtype ${raw.dtype}, expected ${allowed.join(" or ")}`);
  }
  const b = raw.bytes;
  const n = raw.shape.reduce((a, c) => a * c, 1);
  switch (raw.dtype) {
    case "F32": return { dtype: "F32", shape: raw.shape, data: new Float32Array(b.buffer, b.byteOffset, n) };
    case "F64": return { dtype: "F64", shape: raw.shape, data: new Float64Array(b.buffer, b.byteOffset, n) };
    case "I32": return { dtype: "I32", shape: raw.shape, data: new Int32Array(b.buffer, b.byteOffset, n) };
    case "I64": return { dtype: "I64", shape: raw.shape, data: new BigInt64Array(b.buffer, b.byteOffset, n) };
    case "U8": case "BOOL": return { dtype: raw.dtype, shape: raw.shape, data: new Uint8Array(b.buffer, b.byteOffset, n) };
    default: throw new InvalidWeightsError(`tensor "${name}": dtype ${raw.dtype} is not supported here`);
  }
}

/** Float32 data of a tensor stored as F32 (or F64, converted). */
export function asFloat32(raw: RawTensor, name: string): Float32Array {
  const t = typed(raw, name, ["F32", "F64"]);
  return t.data instanceof Float32Array ? t.data : Float32Array.from(t.data as Float64Array);
}

/** Int32 data of a tensor stored as I32 (or I64 within range, converted). */
export function asInt32(raw: RawTensor, name: string): Int32Array {
  const t = typed(raw, name, ["I32", "I64"]);
  if (t.data instanceof Int32Array) return t.data;
  const src = t.data as BigInt64Array;
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v > 2147483647n || v < -2147483648n) throw new InvalidWeightsError(`tensor "${name}": element ${i} = ${v} does not fit in int32`);
    out[i] = Number(v);
  }
  return out;
}

export function serializeSafetensors(tensors: Map<string, Tensor> | Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (n !== t.data.length) throw new InvalidWeightsError(`tensor "${name}": shape ${JSON.stringify(t.shape)} has ${n} elements but data has ${t.data.length}`);
    const bytes = t.data.byteLength;
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data section starts 8-byte aligned (as the reference writer does).
  json += " ".repeat((8 - ((8 + new TextEncoder().encode(json).length) % 8)) % 8);
  const hb = new TextEncoder().encode(json);
  const out = new Uint8Array(8 + hb.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let p = 8 + hb.length;
  for (const [, t] of entries) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), p);
    p += t.data.byteLength;
  }
  return out;
}
