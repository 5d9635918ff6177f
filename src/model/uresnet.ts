// SparseSSNet's U-ResNet as SparseConvNet builds it (sparseconvnet.networkArchitectures.UNet with
// residual_blocks, downsample [2, 2]), as a graph whose parameter names are SparseConvNet's
// state_dict prefixes:
//   sparseModel.1   SubmanifoldConvolution(dim, inputChannels -> m, inputKernel)
//   sparseModel.2   UNet: level prefix P (level l+1 at P.4.1.2)
//     P.0..P.{2reps-1}   reps blocks n_l -> n_l (block i at P.{2i}, its AddTable at P.{2i+1})
//     P.{2reps}          ConcatTable(Identity, Sequential(BN+act, Conv(2,2) n_l -> n_{l+1}, level l+1, BN+act, Deconv(2,2)))
//     P.{2reps+1}        JoinTable [skip, upsampled]
//     P.{2reps+2}...     reps blocks, the first 2n_l -> n_l
//   sparseModel.3   BatchNorm + (leaky) ReLU
//   linear          Linear(m -> classes)
// A residual block at prefix B: out = shortcut(x) + conv(act(bn(conv(act(bn(x)))))) with
// B.0 = NetworkInNetwork when channels change (else Identity) and B.1.{0,1,2,3} = BN, conv, BN, conv.
// A plain block (residualBlocks false) is B = BN+act, B+1 = conv.

import type { ModelConfig } from "./config.js";
import type { BufferSpec, Graph, Op, ParamSpec } from "./graph.js";

/** The parameter prefix of level l, as buildUResNet names it (level l+1 at P.{2 reps}.1.2). */
export function levelPrefix(c: ModelConfig, l: number): string {
  let P = "sparseModel.2";
  for (let i = 0; i < l; i++) P = `${P}.${2 * c.reps}.1.2`;
  return P;
}

export function buildUResNet(c: ModelConfig): Graph {
  const buffers: BufferSpec[] = [];
  const ops: Op[] = [];
  const params: ParamSpec[] = [];
  const newBuf = (level: number, channels: number) => buffers.push({ level, channels }) - 1;

  const conv = (prefix: string, level: number, ks: number, input: number, cin: number, cout: number): number => {
    params.push({ kind: "conv", prefix, K: ks ** c.dim, cin, cout });
    const output = newBuf(level, cout);
    ops.push({ kind: "subconv", level, ks, input, output, param: prefix });
    return output;
  };
  const bnAct = (prefix: string, level: number, input: number, channels: number, leak: number): number => {
    params.push({ kind: "bn", prefix, channels });
    const output = newBuf(level, channels);
    ops.push({ kind: "bnact", input, output, param: prefix, leak });
    return output;
  };
  const add = (level: number, a: number, b: number, channels: number): number => {
    const output = newBuf(level, channels);
    ops.push({ kind: "add", a, b, output });
    return output;
  };

  // One block at module index i of prefix P (occupies indices i and i+1).
  const block = (P: string, i: number, level: number, x: number, a: number, b: number): number => {
    if (c.residualBlocks) {
      let shortcut = x;
      if (a !== b) {
        params.push({ kind: "nin", prefix: `${P}.${i}.0`, cin: a, cout: b });
        shortcut = newBuf(level, b);
        ops.push({ kind: "nin", input: x, output: shortcut, param: `${P}.${i}.0` });
      }
      let y = bnAct(`${P}.${i}.1.0`, level, x, a, c.leakiness);
      y = conv(`${P}.${i}.1.1`, level, 3, y, a, b);
      y = bnAct(`${P}.${i}.1.2`, level, y, b, c.leakiness);
      y = conv(`${P}.${i}.1.3`, level, 3, y, b, b);
      return add(level, shortcut, y, b);
    }
    const y = bnAct(`${P}.${i}`, level, x, a, c.leakiness);
    return conv(`${P}.${i + 1}`, level, 3, y, a, b);
  };

  const level = (P: string, l: number, x: number): number => {
    const n = c.planes[l];
    let i = 0;
    for (let r = 0; r < c.reps; r++, i += 2) x = block(P, i, l, x, n, n);
    if (l + 1 < c.depth) {
      const n2 = c.planes[l + 1];
      const D = `${P}.${i}.1`;
      let y = bnAct(`${D}.0`, l, x, n, c.leakiness);
      params.push({ kind: "conv", prefix: `${D}.1`, K: 2 ** c.dim, cin: n, cout: n2 });
      let coarse = newBuf(l + 1, n2);
      ops.push({ kind: "down", level: l, input: y, output: coarse, param: `${D}.1` });
      coarse = level(`${D}.2`, l + 1, coarse);
      coarse = bnAct(`${D}.3`, l + 1, coarse, n2, c.leakiness);
      params.push({ kind: "conv", prefix: `${D}.4`, K: 2 ** c.dim, cin: n2, cout: n });
      y = newBuf(l, n);
      ops.push({ kind: "up", level: l, input: coarse, output: y, param: `${D}.4` });
      const cat = newBuf(l, 2 * n);
      ops.push({ kind: "concat", a: x, b: y, output: cat });
      x = cat;
      i += 2;
      for (let r = 0; r < c.reps; r++, i += 2) x = block(P, i, l, x, r === 0 ? 2 * n : n, n);
    }
    return x;
  };

  const input = newBuf(0, c.inputChannels);
  const afterInputConv = conv("sparseModel.1", 0, c.inputKernel, input, c.inputChannels, c.filters);
  const afterUnet = level("sparseModel.2", 0, afterInputConv);
  const afterFinal = bnAct("sparseModel.3", 0, afterUnet, c.filters, c.finalLeakiness);
  params.push({ kind: "linear", prefix: "linear", cin: c.filters, cout: c.classes });
  const logits = newBuf(0, c.classes);
  ops.push({ kind: "linear", input: afterFinal, output: logits, param: "linear" });

  const subRulebooks: { level: number; ks: number }[] = [];
  for (const op of ops) {
    if (op.kind === "subconv" && !subRulebooks.some((r) => r.level === op.level && r.ks === op.ks)) {
      subRulebooks.push({ level: op.level, ks: op.ks });
    }
  }
  return {
    buffers, ops, params, input, levels: c.depth, subRulebooks,
    outputs: {
      logits,
      after_input_conv: afterInputConv,
      after_unet: afterUnet,
      after_final_bnrelu: afterFinal,
    },
  };
}
