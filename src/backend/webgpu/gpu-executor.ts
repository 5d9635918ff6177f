// Runs a planned model graph on WebGPU. Geometry and rulebooks come from the wasm kernels (built
// once per event in the engine's arena); the rulebooks are turned into output-stationary tables,
// uploaded with the level-0 features, and every op becomes one dispatch of one compute pass: one
// submission per event, one read-back. GPU buffers only grow, and are reused across events.

import type { KernelExports } from "../wasm/module.js";
import type { Arena } from "../wasm/arena.js";
import type { Graph, BufferPlan } from "../../model/graph.js";
import type { Geometry } from "../../geometry/levels.js";
import { ADD_WGSL, BNACT_WGSL, CONCAT_WGSL, CONV_WGSL, PARAMS_WORDS, SOFTMAX_WGSL } from "./kernels.js";
import type { GpuDevice } from "./device.js";

const SLOT_BYTES = 256;
const FLAG = { ADD: 1, BN: 2, BIAS: 4, DENSE: 8 } as const;

export interface GpuModel { weights: GPUBuffer; offsetOf: (wasmPtr: number) => number }

export interface GpuOutputs { logits: Float32Array; scores: Float32Array; labels: Int32Array; taps: Map<number, Float32Array> }

interface Grow { buffer?: GPUBuffer; bytes: number }

export class GpuExecutor {
  private pipelines: Record<"conv" | "bnact" | "add" | "concat" | "softmax", GPUComputePipeline>;
  private layout: GPUBindGroupLayout;
  private feat: Grow = { bytes: 0 };
  private geo: Grow = { bytes: 0 };
  private params: Grow = { bytes: 0 };
  private labels: Grow = { bytes: 0 };
  private staging: Grow = { bytes: 0 };

  constructor(readonly gpu: GpuDevice) {
    const d = gpu.device;
    this.layout = d.createBindGroupLayout({
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: "storage" } },
        { binding: 1, visibility: GPUShaderStage.COMPUTE, buffer: { type: "read-only-storage" } },
        { binding: 2, visibility: GPUShaderStage.COMPUTE, buffer: { type: "read-only-storage" } },
        { binding: 3, visibility: GPUShaderStage.COMPUTE, buffer: { type: "uniform", hasDynamicOffset: true, minBindingSize: PARAMS_WORDS * 4 } },
        { binding: 4, visibility: GPUShaderStage.COMPUTE, buffer: { type: "storage" } },
      ],
    });
    const pl = d.createPipelineLayout({ bindGroupLayouts: [this.layout] });
    const make = (code: string) => d.createComputePipeline({ layout: pl, compute: { module: d.createShaderModule({ code }), entryPoint: "main" } });
    this.pipelines = { conv: make(CONV_WGSL), bnact: make(BNACT_WGSL), add: make(ADD_WGSL), concat: make(CONCAT_WGSL), softmax: make(SOFTMAX_WGSL) };
  }

  /** Uploads a model's packed parameters (the contiguous wasm block [base, end)). */
  uploadModel(k: KernelExports, base: number, end: number): GpuModel {
    const weights = this.gpu.device.createBuffer({ size: Math.max(16, end - base), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
    this.gpu.device.queue.writeBuffer(weights, 0, k.memory.buffer, base, end - base);
    return { weights, offsetOf: (p) => (p - base) / 4 };
  }

  private ensure(g: Grow, bytes: number, usage: number): GPUBuffer {
    if (!g.buffer || g.bytes < bytes) {
      g.buffer?.destroy();
      g.bytes = Math.max(256, Math.ceil(bytes * 1.25 / 256) * 256);
      g.buffer = this.gpu.device.createBuffer({ size: g.bytes, usage });
    }
    return g.buffer;
  }

  async run(
    k: KernelExports, arena: Arena, graph: Graph, geo: Geometry, plan: BufferPlan, sizes: number[],
    model: GpuModel, paramPtr: Map<string, number>, inputSites: number, taps: number[],
  ): Promise<GpuOutputs> {
    const d = this.gpu.device;
    const off = (b: number) => plan.offsets[b] / 4;
    const stride = (b: number) => plan.strides[b];
    const n0 = sizes[0];
    const lg = graph.outputs.logits;
    const C = graph.buffers[lg].channels;
    const scoresOff = Math.ceil(plan.bytes / 16) * 4;
    const featBytes = (scoresOff + n0 * stride(lg)) * 4;

    // Output-stationary tables of the rulebooks, built in the arena and uploaded in one piece.
    const tableOff = new Map<string, number>();
    const tablesStart = arena.mark();
    const table = (key: string, start: number, inIdx: number, outIdx: number, K: number, nOut: number) => {
      let t = tableOff.get(key);
      if (t === undefined) {
        const p = arena.alloc(nOut * K * 4);
        k.rulesToTable(start, inIdx, outIdx, K, nOut, p);
        t = (p - tablesStart) / 4;
        tableOff.set(key, t);
      }
      return t;
    };

    const slots: Uint32Array[] = [];
    const dispatches: { pipeline: GPUComputePipeline; slot: number; count: number }[] = [];
    const push = (pipeline: GPUComputePipeline, count: number, fill: (u: Uint32Array, f: Float32Array) => void) => {
      const u = new Uint32Array(SLOT_BYTES / 4);
      fill(u, new Float32Array(u.buffer));
      slots.push(u);
      dispatches.push({ pipeline, slot: slots.length - 1, count });
    };
    // Params word layout: see Params in kernels.ts.
    const P = { inOff: 0, inStride: 1, outOff: 2, outStride: 3, n: 4, cin: 5, coutPad: 6, K: 7, tableOff: 8, wOff: 9,
      addOff: 10, addStride: 11, bnOff: 12, flags: 13, leak: 14, bOff: 15, bStride: 16, ca: 17, cb: 18, labelsOff: 19, nx: 20 } as const;

    for (const op of graph.ops) {
      const O = graph.buffers[op.output];
      const n = sizes[op.kind === "down" ? op.level + 1 : O.level];
      const cp = stride(op.output);
      switch (op.kind) {
        case "subconv": case "down": case "up": case "nin": case "linear": {
          const I = graph.buffers[op.input];
          let flags = 0, K = 1, tOff = 0;
          if (op.kind === "subconv") {
            const rb = geo.sub.get(`${op.level}:${op.ks}`)!;
            K = rb.K; tOff = table(`s${op.level}:${op.ks}`, rb.start, rb.inIdx, rb.outIdx, K, n);
          } else if (op.kind === "down" || op.kind === "up") {
            const rb = geo.strided[op.level];
            K = rb.K;
            tOff = op.kind === "down" ? table(`d${op.level}`, rb.start, rb.inIdx, rb.outIdx, K, n) : table(`u${op.level}`, rb.start, rb.outIdx, rb.inIdx, K, n);
          } else {
            flags |= FLAG.DENSE;
            if (op.kind === "linear") flags |= FLAG.BIAS;
          }
          const ep = (op.kind === "subconv" || op.kind === "down" || op.kind === "up") ? op.epilogue ?? {} : {};
          const w = model.offsetOf(paramPtr.get(op.param)!);
          push(this.pipelines.conv, n * cp, (u, f) => {
            u[P.inOff] = off(op.input); u[P.inStride] = stride(op.input); u[P.outOff] = off(op.output); u[P.outStride] = cp;
            u[P.n] = n; u[P.cin] = I.channels; u[P.coutPad] = cp; u[P.K] = K; u[P.tableOff] = tOff; u[P.wOff] = w;
            if (op.kind === "linear") u[P.bOff] = w + I.channels * cp;
            if (ep.addend !== undefined) { flags |= FLAG.ADD; u[P.addOff] = off(ep.addend); u[P.addStride] = stride(ep.addend); }
            if (ep.bnParam !== undefined) { flags |= FLAG.BN; u[P.bnOff] = model.offsetOf(paramPtr.get(ep.bnParam)!); f[P.leak] = ep.leak ?? 0; }
            u[P.flags] = flags;
          });
          break;
        }
        case "bnact":
          push(this.pipelines.bnact, n * cp, (u, f) => {
            u[P.inOff] = off(op.input); u[P.inStride] = stride(op.input); u[P.outOff] = off(op.output); u[P.outStride] = cp;
            u[P.n] = n; u[P.coutPad] = cp; u[P.bnOff] = model.offsetOf(paramPtr.get(op.param)!); f[P.leak] = op.leak;
          });
          break;
        case "add":
          push(this.pipelines.add, n * cp, (u) => {
            u[P.inOff] = off(op.a); u[P.inStride] = stride(op.a); u[P.bOff] = off(op.b); u[P.bStride] = stride(op.b);
            u[P.outOff] = off(op.output); u[P.outStride] = cp; u[P.n] = n; u[P.coutPad] = cp;
          });
          break;
        case "concat":
          push(this.pipelines.concat, n * cp, (u) => {
            u[P.inOff] = off(op.a); u[P.inStride] = stride(op.a); u[P.bOff] = off(op.b); u[P.bStride] = stride(op.b);
            u[P.outOff] = off(op.output); u[P.outStride] = cp; u[P.n] = n; u[P.coutPad] = cp;
            u[P.ca] = graph.buffers[op.a].channels; u[P.cb] = graph.buffers[op.b].channels;
          });
          break;
      }
    }
    push(this.pipelines.softmax, n0, (u) => {
      u[P.inOff] = off(lg); u[P.inStride] = stride(lg); u[P.outOff] = scoresOff; u[P.outStride] = stride(lg);
      u[P.n] = n0; u[P.cin] = C; u[P.labelsOff] = 0;
    });
    for (const dsp of dispatches) {
      const groups = Math.max(1, Math.ceil(dsp.count / 64));
      const nx = Math.min(groups, 65535);
      slots[dsp.slot][P.nx] = nx;
      (dsp as { grid?: [number, number] }).grid = [nx, Math.ceil(groups / nx)];
    }

    // Buffers (grown when needed) and uploads.
    const tablesBytes = Math.max(16, arena.mark() - tablesStart);
    const feat = this.ensure(this.feat, featBytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC);
    const geoBuf = this.ensure(this.geo, tablesBytes, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
    const params = this.ensure(this.params, slots.length * SLOT_BYTES, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
    const labels = this.ensure(this.labels, n0 * 4, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC);
    const tapBytes = taps.reduce((s, b) => s + sizes[graph.buffers[b].level] * stride(b) * 4, 0);
    const outBytes = 2 * n0 * stride(lg) * 4 + n0 * 4 + tapBytes;
    const staging = this.ensure(this.staging, outBytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    const q = d.queue;
    q.writeBuffer(feat, off(graph.input) * 4, k.memory.buffer, inputSites, n0 * stride(graph.input) * 4);
    if (arena.mark() > tablesStart) q.writeBuffer(geoBuf, 0, k.memory.buffer, tablesStart, arena.mark() - tablesStart);
    const all = new Uint8Array(slots.length * SLOT_BYTES);
    slots.forEach((s, i) => all.set(new Uint8Array(s.buffer), i * SLOT_BYTES));
    q.writeBuffer(params, 0, all);

    const bindGroup = d.createBindGroup({
      layout: this.layout,
      entries: [
        { binding: 0, resource: { buffer: feat } },
        { binding: 1, resource: { buffer: model.weights } },
        { binding: 2, resource: { buffer: geoBuf } },
        { binding: 3, resource: { buffer: params, size: PARAMS_WORDS * 4 } },
        { binding: 4, resource: { buffer: labels } },
      ],
    });
    const enc = d.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (const dsp of dispatches) {
      pass.setPipeline(dsp.pipeline);
      pass.setBindGroup(0, bindGroup, [dsp.slot * SLOT_BYTES]);
      const [gx, gy] = (dsp as { grid?: [number, number] }).grid!;
      pass.dispatchWorkgroups(gx, gy);
    }
    pass.end();
    let o = 0;
    const lgBytes = n0 * stride(lg) * 4;
    enc.copyBufferToBuffer(feat, off(lg) * 4, staging, o, lgBytes); o += lgBytes;
    enc.copyBufferToBuffer(feat, scoresOff * 4, staging, o, lgBytes); o += lgBytes;
    enc.copyBufferToBuffer(labels, 0, staging, o, n0 * 4); o += n0 * 4;
    const tapAt: [number, number, number][] = [];
    for (const b of taps) {
      const bytes = sizes[graph.buffers[b].level] * stride(b) * 4;
      enc.copyBufferToBuffer(feat, off(b) * 4, staging, o, bytes);
      tapAt.push([b, o, bytes]);
      o += bytes;
    }
    q.submit([enc.finish()]);
    await staging.mapAsync(GPUMapMode.READ, 0, o);
    const mapped = staging.getMappedRange(0, o).slice(0);
    staging.unmap();
    const out: GpuOutputs = {
      logits: new Float32Array(mapped, 0, lgBytes / 4),
      scores: new Float32Array(mapped, lgBytes, lgBytes / 4),
      labels: new Int32Array(mapped, 2 * lgBytes, n0),
      taps: new Map(tapAt.map(([b, at, bytes]) => [b, new Float32Array(mapped, at, bytes / 4)])),
    };
    return out;
  }

  destroy(): void {
    for (const g of [this.feat, this.geo, this.params, this.labels, this.staging]) g.buffer?.destroy();
    this.gpu.device.destroy();
  }
}
