// Math.hypot as V8 computes it (builtins-math.cc: each value over the largest, squares summed in
// argument order with Kahan's compensation, then sqrt(sum) * largest), in plain arithmetic. V8
// runs Math.hypot in C++ through the runtime and boxes its result: it was the generator's largest
// source of garbage. Built only from operations that are exact or correctly rounded in every
// engine (abs, max, division, multiplication, addition, sqrt), this gives V8's bits anywhere, so
// the generated events no longer depend on the engine's own hypot.

/** Math.hypot(a, b) with V8's bits. (Not hypot3(a, b, 0): a third step would fold the
 *  compensation into the sum.) */
export function hypot2(a: number, b: number): number {
  const x = Math.abs(a), y = Math.abs(b);
  if (x === Infinity || y === Infinity) return Infinity;
  if (x !== x || y !== y) return NaN;
  const max = Math.max(x, y);
  if (max === 0) return 0;
  let sum = 0, compensation = 0;
  let n = x / max, summand = n * n - compensation, preliminary = sum + summand;
  compensation = (preliminary - sum) - summand; sum = preliminary;
  n = y / max; summand = n * n - compensation; preliminary = sum + summand;
  compensation = (preliminary - sum) - summand; sum = preliminary;
  return Math.sqrt(sum) * max;
}

/** Math.hypot(a, b, c) with V8's bits. */
export function hypot3(a: number, b: number, c: number): number {
  const x = Math.abs(a), y = Math.abs(b), z = Math.abs(c);
  if (x === Infinity || y === Infinity || z === Infinity) return Infinity;
  if (x !== x || y !== y || z !== z) return NaN;
  const max = Math.max(x, y, z);
  if (max === 0) return 0;
  let sum = 0, compensation = 0;
  let n = x / max, summand = n * n - compensation, preliminary = sum + summand;
  compensation = (preliminary - sum) - summand; sum = preliminary;
  n = y / max; summand = n * n - compensation; preliminary = sum + summand;
  compensation = (preliminary - sum) - summand; sum = preliminary;
  n = z / max; summand = n * n - compensation; preliminary = sum + summand;
  compensation = (preliminary - sum) - summand; sum = preliminary;
  return Math.sqrt(sum) * max;
}
