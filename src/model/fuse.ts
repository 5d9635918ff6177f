// Epilogue fusion: a convolution whose output feeds only a residual add, or only a batch-norm +
// activation, applies that op to each output tile while it is still in cache instead of in a
// separate pass over memory. The fused kernel performs the very same float operations in the same
// order (see convRules), so the results are bit-identical to the unfused graph.

import type { Graph, Op } from "./graph.js";

type ConvOp = Extract<Op, { kind: "subconv" | "down" | "up" }>;
import { opInputs } from "./graph.js";

export function fuseEpilogues(g: Graph): Graph {
  const ops: (Op | undefined)[] = g.ops.map((op) => ({ ...op }));
  const named = new Set(Object.values(g.outputs));
  // Which ops read each buffer, built once and kept current as ops move (rebuilding it for every
  // link made this quadratic in the graph: 18 ms of a 3D model's load, session 38).
  const consumers = new Map<number, number[]>();
  ops.forEach((op, t) => op && opInputs(op).forEach((b) => {
    const list = consumers.get(b);
    if (list) list.push(t); else consumers.set(b, [t]);
  }));
  const moveConsumer = (op: Op, from: number, to: number) => opInputs(op).forEach((b) => {
    const list = consumers.get(b)!;
    list[list.indexOf(from)] = to;
  });
  for (let t = 0; t < ops.length; t++) {
    const first = ops[t];
    if (!first || (first.kind !== "subconv" && first.kind !== "down" && first.kind !== "up")) continue;
    let op: ConvOp = first;
    let at = t;
    // Follow the chain conv -> add -> bnact as far as each link has a single consumer.
    for (;;) {
      const users: number[] = consumers.get(op.output) ?? [];
      if (users.length !== 1 || named.has(op.output)) break;
      const u: number = users[0];
      const next: Op = ops[u]!;
      const ep = op.epilogue ?? {};
      let fused: ConvOp | undefined;
      if (next.kind === "add" && ep.addend === undefined && ep.bnParam === undefined) {
        const other = next.a === op.output ? next.b : next.a;
        if (other === op.output) break;
        fused = { ...op, output: next.output, epilogue: { ...ep, addend: other } };
      } else if (next.kind === "bnact" && ep.bnParam === undefined) {
        fused = { ...op, output: next.output, epilogue: { ...ep, bnParam: next.param, leak: next.leak } };
      }
      if (!fused) break;
      // The fused op runs where its last part ran, when every operand is ready.
      moveConsumer(op, at, u); // the fused op reads op's inputs at u now (next's other inputs were already read there)
      ops[at] = undefined;
      ops[u] = fused;
      op = fused;
      at = u;
    }
  }
  return { ...g, ops: ops.filter((o): o is Op => o !== undefined) };
}
