// WGSL for every inference op. Each output element is computed by one invocation with exactly the
// wasm kernels' float operations in the same order (an f32 multiply, then an f32 add; offsets, then
// input channels; the same epilogue; the same exp polynomial), written as scalar loops (no dot(),
// no fma()) so that the drivers we test give the wasm backend's bits.

export const PARAMS_WORDS = 24;

// All buffers are bound to every pipeline; `p` selects what an op reads and writes.
const COMMON = /* wgsl */ `
struct Params {
  inOff: u32, inStride: u32, outOff: u32, outStride: u32,
  n: u32, cin: u32, coutPad: u32, K: u32,
  tableOff: u32, wOff: u32, addOff: u32, addStride: u32,
  bnOff: u32, flags: u32, leak: f32, bOff: u32,
  bStride: u32, ca: u32, cb: u32, labelsOff: u32,
  nx: u32, pad1: u32, pad2: u32, pad3: u32,
};
@group(0) @binding(0) var<storage, read_write> feat: array<f32>;
@group(0) @binding(1) var<storage, read> wts: array<f32>;
@group(0) @binding(2) var<storage, read> geo: array<i32>;
@group(0) @binding(3) var<uniform> p: Params;
@group(0) @binding(4) var<storage, read_write> labels: array<i32>;

const FLAG_ADD: u32 = 1u;
const FLAG_BN: u32 = 2u;
const FLAG_BIAS: u32 = 4u;
const FLAG_DENSE: u32 = 8u;

fn index(wg: vec3<u32>, lid: u32) -> u32 { return (wg.y * p.nx + wg.x) * 64u + lid; }

// (leaky) ReLU exactly as the wasm kernels: leak 0 -> max(v, +0) (never -0), else v > 0 ? v : v * leak.
fn act(v: f32) -> f32 {
  if (p.leak == 0.0) { return select(0.0, v, v > 0.0); }
  return select(v * p.leak, v, v > 0.0);
}
`;

/** A kernel with one invocation per output element (row o, channel j < coutPad): `body` computes
 *  element (o, j) of the op. */
function perElement(body: string): string {
  return COMMON + /* wgsl */ `
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let idx = index(wg, lid);
  if (idx >= p.n * p.coutPad) { return; }
  let o = idx / p.coutPad;
  let j = idx % p.coutPad;
${body}
}
`;
}

// Sparse convolution over an output-stationary table (geo[tableOff + o*K + k] = input row or -1),
// or a dense 1x1 product (FLAG_DENSE: input row o), then the fused epilogue.
export const CONV_WGSL = perElement(/* wgsl */ `
  var acc: f32 = 0.0;
  for (var k: u32 = 0u; k < p.K; k = k + 1u) {
    var nb: i32 = i32(o);
    if ((p.flags & FLAG_DENSE) == 0u) { nb = geo[p.tableOff + o * p.K + k]; }
    if (nb >= 0) {
      let xb = p.inOff + u32(nb) * p.inStride;
      var wb = p.wOff + k * p.cin * p.coutPad + j;
      for (var c: u32 = 0u; c < p.cin; c = c + 1u) {
        acc = acc + feat[xb + c] * wts[wb];
        wb = wb + p.coutPad;
      }
    }
  }
  if ((p.flags & FLAG_BIAS) != 0u) { acc = acc + wts[p.bOff + j]; }
  if ((p.flags & FLAG_ADD) != 0u) { acc = acc + feat[p.addOff + o * p.addStride + j]; }
  if ((p.flags & FLAG_BN) != 0u) { acc = act(acc * wts[p.bnOff + j] + wts[p.bnOff + p.coutPad + j]); }
  feat[p.outOff + o * p.outStride + j] = acc;`);

export const BNACT_WGSL = perElement(/* wgsl */ `
  feat[p.outOff + o * p.outStride + j] = act(feat[p.inOff + o * p.inStride + j] * wts[p.bnOff + j] + wts[p.bnOff + p.coutPad + j]);`);

export const ADD_WGSL = perElement(/* wgsl */ `
  feat[p.outOff + o * p.outStride + j] = feat[p.inOff + o * p.inStride + j] + feat[p.bOff + o * p.bStride + j];`);

export const CONCAT_WGSL = perElement(/* wgsl */ `
  var v: f32 = 0.0;
  if (j < p.ca) { v = feat[p.inOff + o * p.inStride + j]; }
  else if (j < p.ca + p.cb) { v = feat[p.bOff + o * p.bStride + j - p.ca]; }
  feat[p.outOff + o * p.outStride + j] = v;`);

// Softmax and argmax per row (p.cin = classes): the wasm expNeg, term for term.
export const SOFTMAX_WGSL = COMMON + /* wgsl */ `
fn expNeg(x: f32) -> f32 {
  if (x < -87.0) { return 0.0; }
  let n = round(x * 1.44269504);
  var r = x - n * 0.693359375;
  r = r - n * -2.12194440e-4;
  let r2 = r * r;
  var q: f32 = 1.9875691500e-4;
  q = q * r + 1.3981999507e-3; q = q * r + 8.3334519073e-3; q = q * r + 4.1665795894e-2;
  q = q * r + 1.6666665459e-1; q = q * r + 5.0000001201e-1;
  q = q * r2 + r;
  q = q + 1.0;
  return q * bitcast<f32>((i32(n) + 127) << 23u);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = index(wg, lid);
  if (o >= p.n) { return; }
  let x = p.inOff + o * p.inStride;
  let y = p.outOff + o * p.outStride;
  var m = feat[x];
  var best = feat[x];
  var label: i32 = 0;
  for (var j: u32 = 1u; j < p.cin; j = j + 1u) {
    let v = feat[x + j];
    m = max(m, v);
    if (v > best) { best = v; label = i32(j); }
  }
  var s: f32 = 0.0;
  for (var j: u32 = 0u; j < p.cin; j = j + 1u) {
    let e = expNeg(feat[x + j] - m);
    s = s + e;
    feat[y + j] = e;
  }
  for (var j: u32 = 0u; j < p.cin; j = j + 1u) { feat[y + j] = feat[y + j] / s; }
  labels[p.labelsOff + o] = label;
}
`;
