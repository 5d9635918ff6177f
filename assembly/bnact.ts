// Inference batch-norm folded into a per-channel affine map, fused with (leaky) ReLU:
//   y = x * scale[c] + shift[c];  y = y > 0 ? y : y * leak
// With leak == 0 the activation is max(y, +0), so a negative input gives +0, never -0.
// Works in place (in == out) as well. `cpad` is a multiple of 4; scale/shift are padded with zeros.

export function affineAct(
  inPtr: usize, inStride: i32, outPtr: usize, outStride: i32, n: i32, cpad: i32,
  scalePtr: usize, shiftPtr: usize, leak: f32,
): void {
  const inS = <usize>inStride * 4, outS = <usize>outStride * 4;
  const zero = f32x4.splat(0), vleak = f32x4.splat(leak);
  for (let r = 0; r < n; r++) {
    const x = inPtr + <usize>r * inS, y = outPtr + <usize>r * outS;
    for (let j = 0; j < cpad; j += 4) {
      const jo = <usize>j << 2;
      const v = f32x4.add(f32x4.mul(v128.load(x + jo), v128.load(scalePtr + jo)), v128.load(shiftPtr + jo));
      const a = leak == 0 ? f32x4.max(v, zero) : v128.bitselect(v, f32x4.mul(v, vleak), f32x4.gt(v, zero));
      v128.store(y + jo, a);
    }
  }
}

/** Scalar twin of affineAct. */
export function affineActScalar(
  inPtr: usize, inStride: i32, outPtr: usize, outStride: i32, n: i32, cpad: i32,
  scalePtr: usize, shiftPtr: usize, leak: f32,
): void {
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < cpad; j++) {
      const v = load<f32>(inPtr + (<usize>r * inStride + j) * 4) * load<f32>(scalePtr + (<usize>j << 2)) +
        load<f32>(shiftPtr + (<usize>j << 2));
      const a: f32 = leak == 0 ? max<f32>(v, 0) : (v > 0 ? v : v * leak);
      store<f32>(outPtr + (<usize>r * outStride + j) * 4, a);
    }
  }
}
