// Backward kernels for training. Every sum runs in one fixed order (rows ascending, then pairs in
// rulebook order), so gradients are deterministic; per-channel statistics accumulate in f64.

/** Weight gradient of a sparse convolution: for each offset k and pair (i, o) in rulebook order,
 *  dW[k][c][j] += x[i][c] * g[o][j]. dW is [K][cin][coutPad], accumulated (not cleared). SIMD over
 *  the output channels j. */
export function convWeightGrad(
  xPtr: usize, xStride: i32, gPtr: usize, gStride: i32, cin: i32, coutPad: i32, K: i32,
  ruleStart: usize, ruleIn: usize, ruleOut: usize, dwPtr: usize,
): void {
  const wK = <usize>cin * <usize>coutPad * 4, wRow = <usize>coutPad * 4;
  for (let k = 0; k < K; k++) {
    const p1 = load<i32>(ruleStart + (<usize>(k + 1) << 2));
    const dwk = dwPtr + <usize>k * wK;
    for (let p = load<i32>(ruleStart + (<usize>k << 2)); p < p1; p++) {
      const x = xPtr + <usize>load<i32>(ruleIn + (<usize>p << 2)) * <usize>xStride * 4;
      const g = gPtr + <usize>load<i32>(ruleOut + (<usize>p << 2)) * <usize>gStride * 4;
      let d = dwk;
      for (let c = 0; c < cin; c++) {
        const v = v128.load32_splat(x + (<usize>c << 2));
        for (let j = 0; j < coutPad; j += 4) {
          const jo = <usize>j << 2;
          v128.store(d + jo, f32x4.add(v128.load(d + jo), f32x4.mul(v, v128.load(g + jo))));
        }
        d += wRow;
      }
    }
  }
}

/** Scalar twin of convWeightGrad. */
export function convWeightGradScalar(
  xPtr: usize, xStride: i32, gPtr: usize, gStride: i32, cin: i32, coutPad: i32, K: i32,
  ruleStart: usize, ruleIn: usize, ruleOut: usize, dwPtr: usize,
): void {
  for (let k = 0; k < K; k++) {
    const p1 = load<i32>(ruleStart + (<usize>(k + 1) << 2));
    for (let p = load<i32>(ruleStart + (<usize>k << 2)); p < p1; p++) {
      const i = <usize>load<i32>(ruleIn + (<usize>p << 2)), o = <usize>load<i32>(ruleOut + (<usize>p << 2));
      for (let c = 0; c < cin; c++) {
        for (let j = 0; j < coutPad; j++) {
          const a = dwPtr + ((<usize>k * cin + c) * coutPad + j) * 4;
          store<f32>(a, load<f32>(a) + load<f32>(xPtr + (i * xStride + c) * 4) * load<f32>(gPtr + (o * gStride + j) * 4));
        }
      }
    }
  }
}

/** Per-channel batch statistics of n rows: mean and biased variance (two passes, f64). */
export function channelStats(xPtr: usize, xStride: i32, n: i32, c: i32, meanPtr: usize, varPtr: usize): void {
  for (let j = 0; j < c; j++) {
    let s: f64 = 0;
    for (let r = 0; r < n; r++) s += <f64>load<f32>(xPtr + (<usize>r * xStride + j) * 4);
    const mean = n > 0 ? s / n : 0;
    let q: f64 = 0;
    for (let r = 0; r < n; r++) {
      const d = <f64>load<f32>(xPtr + (<usize>r * xStride + j) * 4) - mean;
      q += d * d;
    }
    store<f64>(meanPtr + (<usize>j << 3), mean);
    store<f64>(varPtr + (<usize>j << 3), n > 0 ? q / n : 0);
  }
}

/** Backward of y = act(xhat * w + b), xhat = (x - mean) * invstd, with batch statistics:
 *  gz = g * act'(y) (the activation's slope read from the forward output y), then
 *  db += sum gz, dw += sum gz * xhat, dx = w * invstd * (gz - mean(gz) - xhat * mean(gz * xhat)).
 *  Sums in f64, rows ascending. mean/invstd/w are f32 [c]; dw/db are f32 [c], accumulated. */
export function bnActBackward(
  xPtr: usize, xStride: i32, yPtr: usize, yStride: i32, gPtr: usize, gStride: i32, dxPtr: usize, dxStride: i32,
  n: i32, c: i32, meanPtr: usize, invstdPtr: usize, wPtr: usize, leak: f32, dwPtr: usize, dbPtr: usize,
): void {
  for (let j = 0; j < c; j++) {
    const jo = <usize>j << 2;
    const mean = load<f32>(meanPtr + jo), invstd = load<f32>(invstdPtr + jo), w = load<f32>(wPtr + jo);
    let sg: f64 = 0, sgx: f64 = 0;
    for (let r = 0; r < n; r++) {
      const y = load<f32>(yPtr + <usize>r * <usize>yStride * 4 + jo);
      const gz = <f64>load<f32>(gPtr + <usize>r * <usize>gStride * 4 + jo) * (y > 0 ? 1.0 : <f64>leak);
      const xhat = (<f64>load<f32>(xPtr + <usize>r * <usize>xStride * 4 + jo) - <f64>mean) * <f64>invstd;
      sg += gz;
      sgx += gz * xhat;
    }
    store<f32>(dbPtr + jo, load<f32>(dbPtr + jo) + <f32>sg);
    store<f32>(dwPtr + jo, load<f32>(dwPtr + jo) + <f32>sgx);
    const mg = n > 0 ? sg / n : 0, mgx = n > 0 ? sgx / n : 0;
    const scale = <f64>w * <f64>invstd;
    for (let r = 0; r < n; r++) {
      const y = load<f32>(yPtr + <usize>r * <usize>yStride * 4 + jo);
      const gz = <f64>load<f32>(gPtr + <usize>r * <usize>gStride * 4 + jo) * (y > 0 ? 1.0 : <f64>leak);
      const xhat = (<f64>load<f32>(xPtr + <usize>r * <usize>xStride * 4 + jo) - <f64>mean) * <f64>invstd;
      store<f32>(dxPtr + <usize>r * <usize>dxStride * 4 + jo, <f32>(scale * (gz - mg - xhat * mgx)));
    }
  }
}

/** out[j] += sum over rows of g[r][j] (f64 sums, rows ascending): bias gradients. */
export function columnSums(gPtr: usize, gStride: i32, n: i32, c: i32, outPtr: usize): void {
  for (let j = 0; j < c; j++) {
    let s: f64 = 0;
    for (let r = 0; r < n; r++) s += <f64>load<f32>(gPtr + (<usize>r * gStride + j) * 4);
    store<f32>(outPtr + (<usize>j << 2), load<f32>(outPtr + (<usize>j << 2)) + <f32>s);
  }
}
