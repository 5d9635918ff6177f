// The arena: all event data lives in the wasm instance's linear memory, allocated by a bump
// pointer that is reset for every event. Memory only grows (with 25% headroom, so events of
// similar size do not grow it again), and a finished event leaves nothing behind.
// Typed-array views are created on demand: growing memory detaches the old ones.

import { OutOfMemoryError } from "../../errors.js";
import type { KernelExports } from "./module.js";

const PAGE = 65536;
/** wasm32 address space. */
export const MAX_BYTES = 4 * 1024 * 1024 * 1024 - PAGE;

export class Arena {
  /** Start of the arena: the kernels' heap base, rounded up to a cache line. */
  private readonly base: number;
  /** End of the persistent region (model weights); events allocate above it. */
  private persistentTop: number;
  private top: number;
  private highWater = 0;

  constructor(readonly k: KernelExports) {
    this.base = alignLine(k.heapBase());
    this.persistentTop = this.base;
    this.top = this.persistentTop;
  }

  get memoryBytes(): number { return this.k.memory.buffer.byteLength; }
  /** Bytes used by the current event so far. */
  get eventBytes(): number { return this.top - this.persistentTop; }
  get peakEventBytes(): number { return this.highWater; }

  /** Allocates `bytes` (cache-line aligned) that stay for the life of the engine (weights). Only allowed
   *  between events. */
  allocPersistent(bytes: number): number {
    if (this.top !== this.persistentTop) throw new Error("allocPersistent during an event");
    const p = this.alloc(bytes);
    this.persistentTop = this.top;
    return p;
  }

  /** Frees the persistent allocations from `ptr` (a value of persistentEnd) on, between events:
   *  the caller re-allocates what it keeps. */
  truncatePersistent(ptr = this.base): void {
    if (this.top !== this.persistentTop) throw new Error("truncatePersistent during an event");
    if (ptr < this.base || ptr > this.persistentTop) throw new Error("truncatePersistent outside the persistent region");
    this.persistentTop = ptr;
    this.top = ptr;
  }
  /** End of the persistent region. */
  get persistentEnd(): number { return this.persistentTop; }

  /** Frees everything allocated since the last reset (the previous event). */
  resetEvent(): void { this.top = this.persistentTop; }

  /** `bytes` at a cache-line boundary, so that rows of 16 floats do not straddle two lines
   *  (when the kernels' static data grew by 16 bytes, every kernel got 5-20% slower). */
  alloc(bytes: number): number {
    const p = this.top;
    const end = p + alignLine(bytes);
    this.ensure(end);
    this.top = end;
    this.highWater = Math.max(this.highWater, this.top - this.persistentTop);
    return p;
  }

  /** Makes sure `bytes` of memory exist above the top, without allocating them: views of that
   *  memory stay valid through allocations that fit in it (the memory does not grow). */
  reserve(bytes: number): void { this.ensure(this.top + bytes); }

  /** Allocates an upper bound now and gives back the unused tail later with shrinkLast. */
  mark(): number { return this.top; }
  /** Moves the top back to p + bytes; p must be the latest allocation still in use. */
  shrinkTo(p: number, bytes: number): void {
    const end = p + alignLine(bytes);
    if (end > this.top) throw new Error("shrinkTo beyond top");
    this.top = end;
  }

  /** Frees everything allocated since `mark` (a value of mark()). */
  release(mark: number): void {
    if (mark > this.top) throw new Error("release beyond top");
    this.top = mark;
  }

  private ensure(end: number): void {
    const have = this.k.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > MAX_BYTES) {
      throw new OutOfMemoryError(`this event needs ${(end / 2 ** 20).toFixed(0)} MiB of wasm memory; a wasm32 instance holds at most 4096 MiB`);
    }
    const want = Math.min(MAX_BYTES, Math.max(end, Math.ceil(have * 1.25)));
    const pages = Math.ceil((want - have) / PAGE);
    try {
      this.k.memory.grow(pages);
    } catch (e) {
      throw new OutOfMemoryError(`could not grow wasm memory from ${(have / 2 ** 20).toFixed(0)} MiB to ${(want / 2 ** 20).toFixed(0)} MiB: ${(e as Error).message}`);
    }
  }

  f32(ptr: number, length: number): Float32Array { return new Float32Array(this.k.memory.buffer, ptr, length); }
  i32(ptr: number, length: number): Int32Array { return new Int32Array(this.k.memory.buffer, ptr, length); }
  /** Moves bytes [from, from + length) to `to` (the ranges may overlap). */
  move(to: number, from: number, length: number): void { new Uint8Array(this.k.memory.buffer).copyWithin(to, from, from + length); }
}

/** n rounded up to a multiple of 64 bytes (a cache line): the arena's allocation unit. */
export function alignLine(n: number): number { return (n + 63) & ~63; }
export function roundUp4(n: number): number { return (n + 3) & ~3; }
