// One training forward and backward pass of the U-ResNet on the wasm kernels: batch-norm with batch
// statistics (pooled over every active site of the batch at that level), softmax cross-entropy
// with per-row weights normalised by their sum, and the gradient of every parameter (SparseConvNet
// names and shapes) and of the input features. The forward pass keeps the buffers the backward
// pass reads (memory-plan.ts); gradients accumulate in reverse op order, so the result is
// deterministic. Each op's temporaries are freed when the op is done.

import { Arena } from "../backend/wasm/arena.js";
import type { KernelExports } from "../backend/wasm/module.js";
import { sparseInput } from "../backend/wasm/sparse-input.js";
import { enqueueConv, enqueueWeightGrad, runConv, runGemmRows, type ConvArgs, type ParallelKernels, type WeightGradArgs } from "../backend/wasm/parallel-kernels.js";
import { InvalidInputError } from "../errors.js";
import { buildGeometry, type Geometry, type Rulebook, type Tiles } from "../geometry/levels.js";
import type { ModelConfig } from "../model/config.js";
import type { Graph, Op } from "../model/graph.js";
import { buildUResNet } from "../model/uresnet.js";
import type { SparseTensor } from "../tensor/sparse-tensor.js";
import { validateSparseTensor } from "../tensor/sparse-tensor.js";
import { expectedTensors, packedLength, packParam, type WeightTensors } from "../weights/scn.js";
import { hasWeightGradient, planGradients, planTrainingForward } from "./memory-plan.js";
import { weightedSoftmaxLoss, type SoftTargets } from "./softmax-loss.js";
import { mixedSoftmaxLoss, type NeighbourSums } from "./mixed-loss.js";

export interface BatchNormStats { mean: Float64Array; variance: Float64Array; n: number }

export interface ForwardBackwardResult {
  /** L = sum_i w_i CE_i / sum_i w_i over the rows of the batch (float64 from the float32 logits). */
  loss: number;
  /** Per input row [N, classes]. */
  logits: Float32Array;
  /** dL/d(param), SparseConvNet names and shapes (every weights tensor except running statistics). */
  grads: Map<string, Float32Array>;
  /** dL/d(input features) per input row [N, channels]. */
  gradFeatures: Float32Array;
  /** Batch statistics of every batch-norm input (biased variance), by BN prefix. */
  batchStats: Map<string, BatchNormStats>;
  /** dL/dlogits per input row [N, classes]. */
  gradLogits: Float32Array;
  /** Per input row [N, classes], what the row's label is decided on: the logits, or with a mix the
   *  mixed scores the loss was taken on. */
  decision: Float32Array;
  /** Train-mode activations of the graph's named outputs, per input row. */
  taps: Map<string, { channels: number; data: Float32Array }>;
}

/** The place a weight gradient's tensor holds in `grads` while a helper thread computes it. */
const UNPACKED_LATER = new Float32Array(0);

type ConvOp = Extract<Op, { kind: "subconv" | "down" | "up" }>;

/** The tiles of a rulebook read with `outIdx` (its inIdx or outIdx array) as the output rows:
 *  built once per step with the geometry. */
function tilesBy(rb: Rulebook, outIdx: number): Tiles {
  const t = outIdx === rb.outIdx ? rb.tiles : outIdx === rb.inIdx ? rb.tilesBack : undefined;
  if (!t) throw new Error("internal: rulebook without tiles for that direction");
  return t;
}

/** The loss taken on scores mixed over neighbours (src/model/smoothing.ts without constants). */
export interface LossMix { radius: number; share: number }

export class ForwardBackward {
  readonly graph: Graph;
  /** Shared with the optimiser, which keeps its moments in the persistent region (adam-kernel.ts). */
  readonly arena: Arena;

  /** `parallel` (shared-memory kernels only) spreads the convolutions, weight gradients and 1x1
   *  layers over threads; the bits are those of one thread. */
  constructor(private readonly k: KernelExports, readonly config: ModelConfig, private readonly parallel?: ParallelKernels) {
    this.graph = buildUResNet(config);
    this.arena = new Arena(k);
  }

  /** Bytes of wasm memory the kernels' instance holds (it grows to the largest step seen). */
  get memoryBytes(): number { return this.arena.memoryBytes; }

  /** One forward and backward pass. `options.taps: false` skips copying the named activations
   *  out (a training loop does not need them); `options.soft` mixes a teacher's probabilities
   *  into the targets (softmax-loss.ts); `options.mix` takes the loss on the scores mixed over
   *  neighbours as a model with that smoothing mixes them (mixed-loss.ts). */
  run(params: WeightTensors, tensor: SparseTensor, labels: Int32Array, rowWeights: Float32Array,
    options: { taps?: boolean; soft?: SoftTargets; trackShowerWeight?: number; mix?: LossMix } = {}): ForwardBackwardResult {
    const cfg = this.config, g = this.graph, k = this.k, arena = this.arena;
    validateSparseTensor(tensor, { dim: cfg.dim, channels: cfg.inputChannels, divisor: 2 ** (cfg.depth - 1) });
    const nRows = tensor.coords.length / tensor.dim;
    if (labels.length !== nRows || rowWeights.length !== nRows) {
      throw new InvalidInputError(`labels (${labels.length}) and weights (${rowWeights.length}) need one entry per row (${nRows})`);
    }
    labels.forEach((l, i) => { if (!(l >= 0 && l < cfg.classes)) throw new InvalidInputError(`row ${i}: label ${l} outside [0, ${cfg.classes})`); });
    if (options.soft) {
      const { probabilities: q, weight } = options.soft;
      if (q.length !== nRows * cfg.classes) throw new InvalidInputError(`soft targets: ${q.length} probabilities for ${nRows} rows of ${cfg.classes} classes`);
      if (!(weight >= 0 && weight <= 1)) throw new InvalidInputError(`soft targets: weight ${weight} outside [0, 1]`);
    }
    arena.resetEvent();
    try {
      const geo = buildGeometry(arena, tensor, cfg.depth, g.subRulebooks, true);
      const sizes = geo.levels.map((l) => l.n);
      const plan = planTrainingForward(g, sizes);
      const region = arena.alloc(plan.bytes);
      const ptr = (b: number) => region + plan.offsets[b];
      const stride = (b: number) => plan.strides[b];
      const rows = (b: number) => sizes[g.buffers[b].level];

      // Parameters in kernel layouts (weights change every step: packed per call).
      const packed = new Map<string, number>();
      for (const p of g.params) {
        if (p.kind === "bn") continue;
        const at = arena.alloc(packedLength(p) * 4);
        packParam(p, params, cfg.bnEps, arena.f32(at, packedLength(p)));
        packed.set(p.prefix, at);
      }

      // ---- forward ----
      k.sumRowsIntoSites(geo.rowFeatures, cfg.inputChannels, geo.siteOfRow, nRows, ptr(g.input), stride(g.input), sizes[0], cfg.inputChannels);
      const bn = new Map<string, { mean: number; invstd: number; w: number; stats: BatchNormStats }>();
      const sparseInputs = new Map<Op, [number, number]>();
      for (const op of g.ops) {
        const out = op.output, cp = stride(out), n = rows(out);
        switch (op.kind) {
          case "subconv": case "down": case "up": {
            const { rb, fin, fout } = this.rules(geo, op);
            const I = g.buffers[op.input];
            // Kept for the weight gradient, which reads the same input with the same row layout.
            const [nzStarts, nzEntries] = sparseInput(k, arena, ptr(op.input), stride(op.input), rows(op.input), I.channels, cp, rb.pairs);
            sparseInputs.set(op, [nzStarts, nzEntries]);
            const temporaries = arena.mark();
            const t = tilesBy(rb, fout);
            runConv(k, this.parallel, [ptr(op.input), stride(op.input), ptr(out), cp, n, packed.get(op.param)!, I.channels, cp,
              rb.K, t.starts, t.rows, t.n, 0, t.n, fin, fout, 0, 0, 0, 0, 0, nzStarts, nzEntries]);
            arena.release(temporaries);
            break;
          }
          case "bnact": {
            const c = g.buffers[out].channels;
            // Kept for the backward pass: the statistics and the scale, as float32 columns.
            const meanF = arena.alloc(cp * 4), invF = arena.alloc(cp * 4), wF = arena.alloc(cp * 4);
            const temporaries = arena.mark();
            const m64 = arena.alloc(c * 8), v64 = arena.alloc(c * 8);
            k.channelStats(ptr(op.input), stride(op.input), n, c, m64, v64);
            const mean = new Float64Array(k.memory.buffer, m64, c).slice(), variance = new Float64Array(k.memory.buffer, v64, c).slice();
            const w = params.get(`${op.param}.weight`)!.data, b = params.get(`${op.param}.bias`)!.data;
            const aff = arena.alloc(2 * cp * 4);
            const A = arena.f32(aff, 2 * cp), M = arena.f32(meanF, cp), I = arena.f32(invF, cp), W = arena.f32(wF, cp);
            A.fill(0);
            for (let j = 0; j < c; j++) {
              const invstd = 1 / Math.sqrt(variance[j] + cfg.bnEps);
              A[j] = w[j] * invstd;
              A[cp + j] = b[j] - mean[j] * w[j] * invstd;
              M[j] = mean[j]; I[j] = invstd; W[j] = w[j];
            }
            k.affineAct(ptr(op.input), stride(op.input), ptr(out), cp, n, cp, aff, aff + cp * 4, op.leak);
            arena.release(temporaries);
            bn.set(op.param, { mean: meanF, invstd: invF, w: wF, stats: { mean, variance, n } });
            break;
          }
          case "add":
            k.addRows(ptr(op.a), stride(op.a), ptr(op.b), stride(op.b), ptr(out), cp, n, cp);
            break;
          case "concat":
            k.concatRows(ptr(op.a), stride(op.a), g.buffers[op.a].channels, ptr(op.b), stride(op.b), g.buffers[op.b].channels, ptr(out), cp, cp, n);
            break;
          case "nin": case "linear": {
            const cin = g.buffers[op.input].channels, w = packed.get(op.param)!;
            runGemmRows(k, this.parallel, [ptr(op.input), stride(op.input), ptr(out), cp, n, w, cin, cp, op.kind === "linear" ? w + cin * cp * 4 : 0]);
            break;
          }
        }
      }

      // ---- loss and dL/dlogits (per site: duplicate rows add up) ----
      const C = cfg.classes, lg = g.outputs.logits, ls = stride(lg);
      const siteOfRow = arena.i32(geo.siteOfRow, nRows).slice();
      const siteLogits = arena.f32(ptr(lg), sizes[0] * ls);
      let wsum = 0;
      rowWeights.forEach((w) => { wsum += w; });
      if (!(wsum > 0)) throw new InvalidInputError("the loss weights sum to zero");
      const { loss, logits, gradLogits, gradSites: dSite, decision } = options.mix
        ? mixedSoftmaxLoss(siteLogits, ls, sizes[0], C, siteOfRow, labels, rowWeights, wsum, options.mix.share,
          this.neighbourSums(geo, C, options.mix.radius), options.soft, options.trackShowerWeight)
        : weightedSoftmaxLoss(siteLogits, ls, sizes[0], C, siteOfRow, labels, rowWeights, wsum, options.soft, options.trackShowerWeight);

      // ---- backward ----
      // dL/db lives at grad(b) from its first contribution until the op that produced b is done
      // (memory-plan.ts). An op writes its first contribution there directly; a later one goes to
      // a temporary of the op that is then added in (the order of the sums is the reverse op order).
      // With helper threads, the input gradient of a layer and then its weight gradient go to the
      // threads' queue. This thread takes ranges of the input gradient (and of the weight gradient
      // queued before it) until the input gradient is done, then goes on with the memory-bound
      // kernels (they scale badly when split) while the helpers work through the weight gradient.
      // So a weight gradient reads dL/d(output) until the next layer's input gradient is done,
      // which the plan allows for, and two are in flight at most.
      const helper = this.parallel && this.parallel.threads > 1 ? this.parallel : undefined;
      const gradPlan = planGradients(g, sizes, helper !== undefined);
      const gradRegion = arena.alloc(gradPlan.bytes);
      const grad = (b: number) => gradRegion + gradPlan.offsets[b];
      const has = new Array<boolean>(g.buffers.length).fill(false);
      const gradSize = (b: number) => rows(b) * stride(b);
      /** Where an op writes its contribution to dL/db; `accumulate` then takes it in. */
      const dest = (b: number) => (has[b] ? arena.alloc(gradSize(b) * 4) : grad(b));
      const accumulate = (b: number, src: number) => {
        if (src !== grad(b)) {
          if (has[b]) k.addRows(grad(b), stride(b), src, stride(b), grad(b), stride(b), rows(b), stride(b));
          else arena.move(grad(b), src, gradSize(b) * 4);
        }
        has[b] = true;
      };
      arena.f32(grad(lg), dSite.length).set(dSite);
      has[lg] = true;

      const grads = new Map<string, Float32Array>();
      const addGrad = (name: string, data: Float32Array) => {
        const have = grads.get(name);
        if (have && have !== UNPACKED_LATER) have.forEach((v, i) => { have[i] = v + data[i]; }); else grads.set(name, data);
      };
      // The weight gradients' dW buffers: one, or two used in turn when they go to the queue.
      let dWFloats = 0;
      const oneByOne = new Map<Op, number>(); // the [0, n] pair start of each 1x1 layer
      for (const op of g.ops.filter(hasWeightGradient)) {
        const oneToOne = op.kind === "nin" || op.kind === "linear";
        const K = oneToOne ? 1 : this.rules(geo, op).rb.K;
        dWFloats = Math.max(dWFloats, K * g.buffers[op.input].channels * stride(op.output));
        if (oneToOne) {
          oneByOne.set(op, arena.alloc(8));
          arena.i32(oneByOne.get(op)!, 2).set([0, rows(op.output)]);
        }
      }
      const dWs = (helper ? [0, 1] : [0]).map(() => arena.alloc(dWFloats * 4));
      // The pairs of a 1x1 layer's weight gradient (row i with row i), for every level.
      const identity = arena.alloc(sizes[0] * 4);
      arena.i32(identity, sizes[0]).forEach((_, i, a) => { a[i] = i; });
      let weightGrads = 0;
      let inFlight: { ticket: number; unpack: () => void } | undefined;
      const finishWeightGrad = () => {
        if (!inFlight) return;
        helper!.finish(inFlight.ticket);
        inFlight.unpack();
        inFlight = undefined;
      };
      /** dW = sum over the rulebook's pairs of x[i][c] g[o][j] (args[10], the dW pointer, is set
       *  here), unpacked into `grads` by `unpack`; and `inputGrad` (a convolution's dL/dx) if given,
       *  done when this returns. */
      const weightGrad = (args: WeightGradArgs, name: string, unpack: (dW: Float32Array) => Float32Array, inputGrad?: ConvArgs) => {
        const [cin, coutPad, K] = [args[4], args[5], args[6]];
        const dW = args[10] = dWs[weightGrads++ % dWs.length];
        arena.f32(dW, K * cin * coutPad).fill(0); // its last user was finished before the previous one started
        grads.set(name, UNPACKED_LATER); // keeps the names in the order of a single thread
        const done = () => addGrad(name, unpack(arena.f32(dW, K * cin * coutPad)));
        if (!helper) {
          k.convWeightGrad(...args);
          done();
          if (inputGrad) k.convRules(...inputGrad);
          return;
        }
        const inputTicket = inputGrad ? enqueueConv(k, helper, inputGrad) : -1;
        const ticket = enqueueWeightGrad(k, helper, args);
        helper.finish(inputTicket);
        finishWeightGrad();
        inFlight = { ticket, unpack: done };
      };
      for (let t = g.ops.length - 1; t >= 0; t--) {
        const op = g.ops[t];
        if (!has[op.output]) {
          finishWeightGrad(); // the plan ends the running one's dL/d(output) here
          continue;
        }
        const gOut = grad(op.output), gs = stride(op.output);
        const temporaries = arena.mark();
        switch (op.kind) {
          case "subconv": case "down": case "up": {
            const I = g.buffers[op.input], O = g.buffers[op.output];
            const { rb, fin, fout } = this.rules(geo, op);
            const cinPad = stride(op.input), coutPad = gs;
            const [nzStarts, nzEntries] = sparseInputs.get(op)!;
            // dx[i] = sum over pairs of g[o] W[k]^T: the same rulebook read backwards.
            const wT = arena.alloc(rb.K * O.channels * cinPad * 4);
            k.transposeOffsets(packed.get(op.param)!, rb.K, I.channels, O.channels, coutPad, wT, cinPad);
            const dx = dest(op.input);
            const tiles = tilesBy(rb, fin);
            weightGrad([ptr(op.input), stride(op.input), gOut, gs, I.channels, coutPad, rb.K, rb.start, fin, fout, 0, nzStarts, nzEntries],
              `${op.param}.weight`, (d) => unpackConv(d, rb.K, I.channels, O.channels, coutPad),
              [gOut, gs, dx, cinPad, rows(op.input), wT, O.channels, cinPad, rb.K, tiles.starts, tiles.rows, tiles.n, 0, tiles.n, fout, fin, 0, 0, 0, 0, 0, 0, 0]);
            accumulate(op.input, dx);
            break;
          }
          case "bnact": {
            const c = g.buffers[op.output].channels, s = bn.get(op.param)!;
            const dw = arena.alloc(c * 4), db = arena.alloc(c * 4);
            arena.f32(dw, c).fill(0); arena.f32(db, c).fill(0);
            const dx = dest(op.input);
            // The kernel writes every channel of every row; only padding columns need clearing.
            if (stride(op.input) !== c) arena.f32(dx, gradSize(op.input)).fill(0);
            k.bnActBackward(ptr(op.input), stride(op.input), ptr(op.output), gs, gOut, gs, dx, stride(op.input), rows(op.output), c,
              s.mean, s.invstd, s.w, op.leak, dw, db, arena.alloc(c * 16));
            addGrad(`${op.param}.weight`, arena.f32(dw, c).slice());
            addGrad(`${op.param}.bias`, arena.f32(db, c).slice());
            accumulate(op.input, dx);
            break;
          }
          case "add":
            accumulate(op.a, gOut);
            accumulate(op.b, gOut);
            break;
          case "concat": {
            const ca = g.buffers[op.a].channels, cb = g.buffers[op.b].channels, n = rows(op.output);
            const da = dest(op.a);
            k.concatRows(gOut, gs, ca, 0, 0, 0, da, stride(op.a), stride(op.a), n);
            accumulate(op.a, da);
            const dbuf = dest(op.b);
            k.concatRows(gOut + ca * 4, gs, cb, 0, 0, 0, dbuf, stride(op.b), stride(op.b), n);
            accumulate(op.b, dbuf);
            break;
          }
          case "nin": case "linear": {
            const I = g.buffers[op.input], O = g.buffers[op.output], n = rows(op.output);
            const cinPad = stride(op.input);
            weightGrad([ptr(op.input), stride(op.input), gOut, gs, I.channels, gs, 1, oneByOne.get(op)!, identity, identity, 0, 0, 0], `${op.param}.weight`,
              op.kind === "linear"
                ? (dWp) => { // torch Linear weight [cout, cin]
                  const dWt = new Float32Array(O.channels * I.channels);
                  for (let j = 0; j < O.channels; j++) for (let i = 0; i < I.channels; i++) dWt[j * I.channels + i] = dWp[i * gs + j];
                  return dWt;
                }
                : (dWp) => unpackConv(dWp, 1, I.channels, O.channels, gs)); // NetworkInNetwork weight [cin, cout]
            if (op.kind === "linear") {
              const db = arena.alloc(O.channels * 4);
              arena.f32(db, O.channels).fill(0);
              k.columnSums(gOut, gs, n, O.channels, db, arena.alloc(O.channels * 8));
              addGrad(`${op.param}.bias`, arena.f32(db, O.channels).slice());
            }
            // W^T [cout][cinPad] for dx = g W^T, from the packed weights (both kinds pack [cin][coutPad] first).
            const wTp = arena.alloc(O.channels * cinPad * 4);
            k.transposeOffsets(packed.get(op.param)!, 1, I.channels, O.channels, gs, wTp, cinPad);
            const dx = dest(op.input);
            k.gemmRows(gOut, gs, dx, cinPad, n, wTp, O.channels, cinPad, 0); // on this thread: run() would wait for the queue
            accumulate(op.input, dx);
            break;
          }
        }
        arena.release(temporaries);
      }

      finishWeightGrad();
      // Input features: every row gets its site's gradient.
      const gin = has[g.input] ? grad(g.input) : 0, cIn = cfg.inputChannels, sIn = stride(g.input);
      const gradFeatures = new Float32Array(nRows * cIn);
      if (gin) {
        const v = arena.f32(gin, sizes[0] * sIn);
        for (let r = 0; r < nRows; r++) for (let c = 0; c < cIn; c++) gradFeatures[r * cIn + c] = v[siteOfRow[r] * sIn + c];
      }
      const batchStats = new Map([...bn].map(([name, s]) => [name, s.stats]));
      // Every parameter has a gradient (zero where the batch does not reach it).
      for (const p of g.params) for (const e of expectedTensors(p)) {
        if (e.name.endsWith("running_mean") || e.name.endsWith("running_var")) continue;
        if (!grads.has(e.name)) grads.set(e.name, new Float32Array(e.shape.reduce((a, b) => a * b, 1)));
      }
      const taps = new Map<string, { channels: number; data: Float32Array }>();
      for (const [name, b] of Object.entries(g.outputs)) {
        if (name === "logits" || options.taps === false) continue;
        const ch = g.buffers[b].channels, v = arena.f32(ptr(b), sizes[0] * stride(b)), data = new Float32Array(nRows * ch);
        for (let r = 0; r < nRows; r++) data.set(v.subarray(siteOfRow[r] * stride(b), siteOfRow[r] * stride(b) + ch), r * ch);
        taps.set(name, { channels: ch, data });
      }
      return { loss, logits, grads, gradFeatures, batchStats, gradLogits, decision: decision ?? logits, taps };
    } finally {
      this.parallel?.drain(); // a weight gradient still running when an error came
      arena.resetEvent();
    }
  }

  /** The neighbour sums of the batch's level-0 sites within `radius` (assembly/smoothing.ts, the
   *  walk the decision stage mixes with); scratch freed after each call. */
  private neighbourSums(geo: Geometry, classes: number, radius: number): NeighbourSums {
    const k = this.k, arena = this.arena, L = geo.levels[0], n = L.n;
    return (values) => {
      const mark = arena.mark();
      const v = arena.alloc(n * classes * 8), sums = arena.alloc(n * classes * 8), counts = arena.alloc(n * 4);
      const cursors = arena.alloc(k.smoothLines(geo.dim, radius) * 4);
      new Float64Array(k.memory.buffer, v, n * classes).set(values);
      k.neighbourSums(L.keys, L.coords, n, geo.dim, L.size[0], L.size[1], L.size[2] ?? 1, radius, v, classes, sums, counts, cursors);
      const out = { sums: new Float64Array(k.memory.buffer, sums, n * classes).slice(), counts: arena.i32(counts, n).slice() };
      arena.release(mark);
      return out;
    };
  }

  private rules(geo: Geometry, op: ConvOp): { rb: Rulebook; fin: number; fout: number } {
    if (op.kind === "subconv") { const rb = geo.sub.get(`${op.level}:${op.ks}`)!; return { rb, fin: rb.inIdx, fout: rb.outIdx }; }
    const rb = geo.strided[op.level];
    return op.kind === "down" ? { rb, fin: rb.inIdx, fout: rb.outIdx } : { rb, fin: rb.outIdx, fout: rb.inIdx };
  }
}

/** [K][cin][coutPad] -> SparseConvNet [K, 1, cin, cout] (K = 1: NetworkInNetwork [cin, cout]). */
function unpackConv(p: Float32Array, K: number, cin: number, cout: number, coutPad: number): Float32Array {
  if (cout === coutPad) return p.slice();
  const out = new Float32Array(K * cin * cout);
  for (let k = 0; k < K; k++) for (let c = 0; c < cin; c++) out.set(p.subarray((k * cin + c) * coutPad, (k * cin + c) * coutPad + cout), (k * cin + c) * cout);
  return out;
}


