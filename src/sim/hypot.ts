// Math.hypot as V8 computes it (builtins-math.cc: each value over the largest, squares summed in
// argument order with Kahan's compensation, then sqrt(sum) * largest), in plain arithmetic. V8
// runs Math.hypot in C++ through the runtime and boxes its result: it was the generator's largest
// source of garbage. Built only from operations that are exact or correctly rounded in every
// engine (abs, max, division, multiplication, addition, sqrt), this gives V8's bits anywhere, so
// the generated events no longer depend on the engine's own hypot.

/** Math.hypot(a, b) with V8's bits. */
export function hypot2(a: number, b: number): number {
  return v8Hypot(a, b, 0, 2);
}

/** Math.hypot(a, b, c) with V8's bits. */
export function hypot3(a: number, b: number, c: number): number {
  return v8Hypot(a, b, c, 3);
}

/** V8's Math.hypot of the first `terms` (2 or 3) of a, b, c. The count matters even when c is 0:
 *  a third Kahan step would fold the compensation into the sum. */
function v8Hypot(a: number, b: number, c: number, terms: 2 | 3): number {
  const x = Math.abs(a), y = Math.abs(b), z = Math.abs(c);
  if (x === Infinity || y === Infinity || z === Infinity) return Infinity;
  if (x !== x || y !== y || z !== z) return NaN;
  const max = Math.max(x, y, z);
  if (max === 0) return 0;
  let sum = 0, compensation = 0;
  for (let i = 0; i < terms; i++) {
    const n = (i === 0 ? x : i === 1 ? y : z) / max;
    const summand = n * n - compensation;
    const preliminary = sum + summand;
    compensation = (preliminary - sum) - summand;
    sum = preliminary;
  }
  return Math.sqrt(sum) * max;
}
