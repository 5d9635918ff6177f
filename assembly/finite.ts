// The non-finite check of a model's weights at load: the index of the first NaN or infinity among
// n float32 values. In JavaScript this loop ran mostly before V8 had optimised it (23 ms for a 3D
// model's 2.75M weights in a fresh process, 4 ms once optimised); here it is compiled ahead.
// On the bits: an all-ones exponent is an infinity or a NaN.

// @ts-ignore: decorator
@inline const EXP: i32 = 0x7f800000;

/** Index of the first non-finite float32 in [ptr, ptr + 4n), or -1. Four vectors per step; a
 *  step that holds one is searched again one value at a time, so the first index is returned. */
export function firstNonFinite(ptr: usize, n: i32): i32 {
  const mask = i32x4.splat(EXP);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = ptr + (<usize>i << 2);
    const a = i32x4.eq(v128.and(v128.load(p), mask), mask);
    const b = i32x4.eq(v128.and(v128.load(p, 16), mask), mask);
    const c = i32x4.eq(v128.and(v128.load(p, 32), mask), mask);
    const d = i32x4.eq(v128.and(v128.load(p, 48), mask), mask);
    if (v128.any_true(v128.or(v128.or(a, b), v128.or(c, d)))) break;
  }
  for (; i < n; i++) if ((load<i32>(ptr + (<usize>i << 2)) & EXP) == EXP) return i;
  return -1;
}

/** Scalar twin of firstNonFinite (tests). */
export function firstNonFiniteScalar(ptr: usize, n: i32): i32 {
  for (let i = 0; i < n; i++) if ((load<i32>(ptr + (<usize>i << 2)) & EXP) == EXP) return i;
  return -1;
}
