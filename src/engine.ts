// The engine: one wasm instance and its arena, models loaded into it, events run through it.
// An event is validated completely before any kernel runs; whatever happens during the event, the
// arena is reset afterwards, so a failed event leaves the engine ready for the next one.

import { alignLine, Arena } from "./backend/wasm/arena.js";
import { runConv, runGemmRows, type ConvArgs, type ParallelKernels } from "./backend/wasm/parallel-kernels.js";
import { KernelTimings, untimed } from "./backend/wasm/kernel-timings.js";
import { compressInput, countInput } from "./backend/wasm/sparse-input.js";
import { instantiateKernels, relaxedSimdSupported, type KernelExports, type KernelMode } from "./backend/wasm/module.js";
import { trackShowerOf } from "./data/labelled-event.js";
import { EngineFault, ModelDamagedError, SparseSSNetError } from "./errors.js";
import { defaultGpu, requestDevice, type AdapterReport } from "./backend/webgpu/device.js";
import { GpuExecutor, type GpuModel } from "./backend/webgpu/gpu-executor.js";
import { buildGeometry, SINGLE_THREAD_TILE_ROWS, TILE_ROWS, type Geometry } from "./geometry/levels.js";
import { parseModelConfig, type ModelConfig } from "./model/config.js";
import { planBuffers, type BufferPlan, type Graph, type ParamSpec } from "./model/graph.js";
import { fuseEpilogues } from "./model/fuse.js";
import { buildUResNet } from "./model/uresnet.js";
import type { SparseTensor } from "./tensor/sparse-tensor.js";
import { validateSparseTensor } from "./tensor/sparse-tensor.js";
import { modelFileConfig, readModelFile } from "./weights/model-file.js";
import { safetensorsHeader, safetensorsHeaderBytes } from "./weights/safetensors.js";
import { firstNonFinite, packedLength, packParam, packsAsStored, type WeightTensors } from "./weights/scn.js";

export interface Model {
  readonly config: ModelConfig;
  readonly graph: Graph;
  /** Byte offset of each parameter group's packed data in wasm memory. */
  readonly paramPtr: Map<string, number>;
  /** The model's parameters occupy wasm memory [paramBase, paramEnd), with the model file they
   *  were used in place from, if any (they move when another model is unloaded). */
  paramBase: number;
  paramEnd: number;
  readonly paramCount: number;
}

export interface RunOptions {
  /** Extra per-row outputs to return: any of "after_input_conv", "after_unet", "after_final_bnrelu". */
  taps?: string[];
  /** Record the time spent per operation kind (rulebooks, convolutions, ...) in `profile`. */
  profile?: boolean;
  /** Called before each convolution (wasm kernels) with the kernel's arguments, which point into
   *  `memory`: `bench/conv-replay.ts` copies what the kernel reads, to time it again alone. */
  onConvolution?: (call: ConvolutionCall) => void;
}

/** One convolution of a run, as RunOptions.onConvolution sees it before the kernel runs. */
export interface ConvolutionCall {
  /** Index of the op in the model's graph. */
  op: number;
  kind: "subconv" | "down" | "up";
  level: number;
  /** Rows of the input buffer, and pairs of the rulebook. */
  inputRows: number;
  pairs: number;
  args: ConvArgs;
  memory: ArrayBuffer;
}

export interface SegmentationResult {
  nRows: number;
  /** Distinct active sites (duplicate rows collapsed). */
  nSites: number;
  classes: number;
  /** Per input row (each duplicate row carries its site's values): [nRows, classes]. */
  logits: Float32Array;
  /** The softmax of the logits; for a model with `smoothing` in its config, the scores mixed over
   *  neighbours and scaled by its constants (src/model/smoothing.ts), whose argmax the labels are. */
  scores: Float32Array;
  /** 5-class label per row: 0 HIP, 1 MIP, 2 shower, 3 delta ray, 4 Michel. */
  labels: Uint8Array;
  /** 0 track (HIP, MIP), 1 shower (shower, delta, Michel) per row. */
  trackShower: Uint8Array;
  /** First input row of each site, in order of first occurrence. Per-site values of any per-row
   *  output are its rows at these indices. */
  siteRows: Int32Array;
  /** Active sites per U-Net level. */
  levelSizes: number[];
  taps: Record<string, { channels: number; data: Float32Array }>;
  /** Multiply-adds of all convolutions and linear layers, from the rulebook sizes. */
  multiplyAdds: number;
  /** The part of multiplyAdds done by the sparse (submanifold, strided, transposed) convolutions. */
  convMultiplyAdds: number;
  timings: { geometryMs: number; networkMs: number; totalMs: number };
  /** Milliseconds per operation kind, when RunOptions.profile was set. */
  profile?: Record<string, number>;
  /** When RunOptions.profile was set: the multiply-adds the convolution kernels actually did. The
   *  channel-sparse kernel skips the zero inputs, so this is at most convMultiplyAdds. */
  executedConvMultiplyAdds?: number;
  /** Wasm backend: how many convolutions ran both kernels on this event, the engine timing them
   *  against each other to learn which is faster here (kernel-timings.ts). Such an event takes
   *  longer: on a model's events 2 to KERNEL_LEARNING_EVENTS, and now and then a single one later. */
  kernelTrials?: number;
}

export type { ConvArgs, ParallelConv, ParallelKernels, WeightGradArgs } from "./backend/wasm/parallel-kernels.js";

export interface EngineOptions {
  /** Kernel flavour of the wasm backend (default deterministic). */
  mode?: KernelMode;
  /** auto (default): WebGPU on a real GPU adapter, wasm otherwise; wasm or webgpu force one. */
  backend?: "auto" | "wasm" | "webgpu";
  /** The WebGPU entry point; default navigator.gpu (Node: see src/node/webgpu.ts). */
  gpu?: GPU;
}

export const TRACK = 0;
export const SHOWER = 1;

export class Engine {
  private arena: Arena;
  /** Loaded models in load order (their weights lie in wasm memory in that order), each with the
   *  checksum of its weights taken at load. */
  private readonly models: { model: Model; checksum: bigint; damaged: boolean }[] = [];
  /** Measured speed of the dense and channel-sparse kernels per convolution (same bits). */
  private readonly kernelTimings = new KernelTimings();
  /** Buffer plans per model, keyed by the event's level sizes and kept outputs. */
  private planCache = new WeakMap<Model, Map<string, BufferPlan>>();

  private queue: Promise<unknown> = Promise.resolve();
  private gpu?: GpuExecutor;
  private readonly gpuModels = new Map<Model, GpuModel>();
  /** Why the engine runs what it runs (fall-backs), when there is something to say. */
  note?: string;

  private constructor(private k: KernelExports, readonly mode: KernelMode, note?: string, private parallel?: ParallelKernels) {
    this.arena = new Arena(k);
    this.note = note;
  }

  /** An engine on kernels instantiated elsewhere (shared memory), whose convolutions and 1x1
   *  layers `parallel` spreads over threads. */
  static withKernels(k: KernelExports, parallel?: ParallelKernels): Engine {
    return new Engine(k, "deterministic", undefined, parallel);
  }

  /** Threads a convolution is spread over (1 = this thread only). */
  get threads(): number { return this.parallel?.threads ?? 1; }

  /** A new engine with its own wasm instance. `mode: "fast"` asks for the relaxed-SIMD FMA kernels
   *  (not bit-identical); where the JavaScript engine lacks relaxed SIMD it falls back to the
   *  deterministic kernels and says so in `note`. */
  static async create(options: EngineOptions = {}): Promise<Engine> {
    let engine: Engine;
    if (options.mode === "fast") {
      engine = relaxedSimdSupported()
        ? new Engine(await instantiateKernels("fast"), "fast")
        : new Engine(await instantiateKernels("deterministic"), "deterministic",
          "fast mode unavailable: this JavaScript engine does not run relaxed SIMD (Node 20: --experimental-wasm-relaxed-simd); using deterministic kernels");
    } else {
      engine = new Engine(await instantiateKernels("deterministic"), "deterministic");
    }
    const backend = options.backend ?? "auto";
    if (backend === "wasm") return engine;
    const dev = await requestDevice(options.gpu ?? defaultGpu());
    if (!dev) {
      if (backend === "webgpu") throw new SparseSSNetError("NO_WEBGPU", "backend webgpu: no WebGPU adapter (in Node install the optional npm package `webgpu`)");
      return engine;
    }
    if (backend === "auto" && dev.adapter.fallback) {
      dev.device.destroy();
      engine.note = `WebGPU adapter "${dev.adapter.description}" is a software fallback: using wasm, which is faster there`;
      return engine;
    }
    if (engine.mode === "fast") engine.note = "the WebGPU backend has deterministic kernels only";
    engine.gpu = new GpuExecutor(dev);
    return engine;
  }

  /** The backend that `segment` uses. */
  get backend(): "wasm" | "webgpu" { return this.gpu ? "webgpu" : "wasm"; }
  /** The WebGPU adapter in use, if any. */
  get adapter(): AdapterReport | undefined { return this.gpu?.gpu.adapter; }

  /** Releases the GPU device (the wasm memory goes with the engine object). */
  dispose(): void {
    for (const gm of this.gpuModels.values()) gm.weights.destroy();
    this.gpuModels.clear();
    this.gpu?.destroy();
    this.gpu = undefined;
  }
  /** Current size of the wasm linear memory. */
  get memoryBytes(): number { return this.arena.memoryBytes; }
  get kernels(): KernelExports { return this.k; }

  /** Packs weights into wasm memory. `weights` must already match the graph (see importScnStateDict). */
  loadModel(config: ModelConfig | unknown, weights: WeightTensors): Model {
    const cfg = parseModelConfig(config);
    return this.place(cfg, fuseEpilogues(buildUResNet(cfg)), weights);
  }

  /** Packs a model's weights at the end of the persistent region and registers the model.
   *  `file`: the model file's bytes lie in wasm memory at the end of the persistent region
   *  (loadModelFile); weights already in the kernels' layout there are used where they lie. */
  private place(cfg: ModelConfig, graph: Graph, weights: WeightTensors, file?: { at: number; size: number }): Model {
    const paramCount = graph.params.reduce((n, p) => n + paramElements(p), 0);
    const base = this.arena.persistentEnd, buffer = this.k.memory.buffer;
    const model: Model = { config: cfg, graph, paramPtr: new Map(), paramBase: base, paramEnd: base, paramCount };
    // Weights used where the file put them: no copy, and half as many fresh pages to touch at
    // start-up (the first touch of a page was most of the packing's time on a slow host, session
    // 38). Only cache-line-aligned ones, as the packed groups are. The file then stays, so it must
    // be mostly such weights: else everything is packed and the file's memory goes to the events.
    const inFile = new Map<string, number>();
    if (file) {
      let inFileBytes = 0;
      for (const p of graph.params) {
        const data = packsAsStored(p) ? weights.get(`${p.prefix}.weight`)?.data : undefined;
        if (data && data.buffer === buffer && data.byteOffset % 64 === 0 &&
          data.byteOffset >= file.at && data.byteOffset + data.byteLength <= file.at + file.size) {
          inFile.set(p.prefix, data.byteOffset);
          inFileBytes += data.byteLength;
        }
      }
      if (2 * inFileBytes < file.size) inFile.clear();
    }
    try {
      // The file (from base, where loadModelFile read it) stays below the packed groups or, while
      // they are packed above it, is only kept out of their way.
      if (file) this.arena.allocPersistent(file.at + file.size - base);
      const packedFrom = this.arena.persistentEnd;
      for (const p of graph.params) {
        const at = inFile.get(p.prefix);
        if (at !== undefined) { model.paramPtr.set(p.prefix, at); continue; }
        const n = packedLength(p);
        const ptr = this.arena.allocPersistent(n * 4);
        if (file && this.k.memory.buffer !== buffer) throw new Error("internal: wasm memory grew under a model file's tensors (loadModelFile reserves too little)");
        packParam(p, weights, cfg.bnEps, this.arena.f32(ptr, n));
        model.paramPtr.set(p.prefix, ptr);
      }
      model.paramEnd = this.arena.persistentEnd;
      if (file && inFile.size === 0) {
        // Nothing used in place: move the packed groups down over the file, which is then free.
        const span = model.paramEnd - packedFrom;
        this.arena.move(base, packedFrom, span);
        for (const [prefix, ptr] of model.paramPtr) model.paramPtr.set(prefix, ptr - (packedFrom - base));
        this.arena.truncatePersistent(base);
        this.arena.allocPersistent(span);
        model.paramEnd = base + span;
      }
    } catch (e) {
      this.arena.truncatePersistent(base); // a bad weight set leaves nothing behind
      throw e;
    }
    this.models.push({ model, checksum: this.paramChecksum(model), damaged: false });
    return model;
  }

  /** Loads a model file (see readModelFile; `config` overrides the embedded one) of `size` bytes
   *  whose first `into.length` bytes `read(into)` copies straight into wasm memory. The file's
   *  bytes then never sit in the JavaScript heap, where they would stay until a garbage
   *  collection. They go to the end of the persistent region, placed so that the tensor data
   *  starts on a cache line, and the weights already in the kernels' layout stay there (place). */
  loadModelFile(size: number, read: (into: Uint8Array) => void, config?: unknown, what = "model file"): Model {
    const first = new Uint8Array(Math.min(size, 8));
    read(first);
    const head = new Uint8Array(first.length < 8 ? first.length : Math.min(size, safetensorsHeaderBytes(first)));
    read(head);
    const cfg = modelFileConfig(safetensorsHeader(head, what).metadata, config, what);
    const graph = fuseEpilogues(buildUResNet(cfg));
    const base = this.arena.persistentEnd;
    const fileAt = base + ((64 - (head.length % 64)) % 64);
    // Room for the file and, in case nothing can be used in place, every group packed above it.
    const packedBytes = graph.params.reduce((n, p) => n + alignLine(packedLength(p) * 4), 0);
    // (No growth may happen after the read: it would detach the views of the file's tensors.)
    this.arena.reserve(alignLine(fileAt - base + size) + packedBytes);
    const bytes = new Uint8Array(this.k.memory.buffer, fileAt, size);
    read(bytes);
    // The weights lie in wasm memory (unless a misaligned tensor was copied out): scan them there.
    const scan = (a: Float32Array) => a.buffer === this.k.memory.buffer ? this.k.firstNonFinite(a.byteOffset, a.length) : firstNonFinite(a);
    return this.place(cfg, graph, readModelFile(bytes, cfg, what, scan).weights, { at: fileAt, size });
  }

  /** Loads a model file whose bytes are already in memory (a fetch's, a worker's) as
   *  loadModelFile does: copied into wasm memory, the weights checked and used there. */
  loadModelBytes(bytes: Uint8Array, config?: unknown, what = "model file"): Model {
    return this.loadModelFile(bytes.length, (into) => into.set(bytes.subarray(0, into.length)), config, what);
  }

  /** Frees a model's memory (wasm and GPU); the other models stay usable. */
  unloadModel(model: Model): void {
    const i = this.models.findIndex((m) => m.model === model);
    if (i < 0) return;
    this.models.splice(i, 1);
    this.gpuModels.get(model)?.weights.destroy();
    this.gpuModels.delete(model);
    // Compact: move the later models down over the freed block (they are laid out in load order).
    this.arena.truncatePersistent(model.paramBase);
    for (const { model: m } of this.models.slice(i)) {
      const span = m.paramEnd - m.paramBase;
      const base = this.arena.allocPersistent(span);
      this.arena.move(base, m.paramBase, span);
      const shift = base - m.paramBase;
      for (const [prefix, p] of m.paramPtr) m.paramPtr.set(prefix, p + shift);
      m.paramBase += shift;
      m.paramEnd += shift;
      const gm = this.gpuModels.get(m);
      if (gm) { gm.weights.destroy(); this.gpuModels.delete(m); }
    }
  }

  /** Whether a kernel failure wrote over this model's weights (see EngineFault): such a model
   *  refuses to run until it is unloaded and loaded again. */
  isDamaged(model: Model): boolean {
    return this.models.find((m) => m.model === model)?.damaged ?? false;
  }

  private paramChecksum(model: Model): bigint {
    return this.k.checksum64(model.paramBase, model.paramEnd - model.paramBase);
  }

  /** Segments one event (or a batch of events told apart by `tensor.batch`) on the wasm kernels,
   *  synchronously. `segment` does the same on whichever backend the engine has. */
  run(model: Model, tensor: SparseTensor, options: RunOptions = {}): SegmentationResult {
    const taps = this.check(model, tensor, options);
    if (tensor.coords.length === 0) return emptyResult(model.config, taps);
    return this.guarded(tensor, () => {
      const ev = this.begin(model, tensor, taps);
      const ran = this.executeWasm(model, ev, options.profile ?? false, options.onConvolution);
      const result = this.finish(model, ev, this.wasmScores(model, ev), ran.profile?.ms);
      if (ran.profile) result.executedConvMultiplyAdds = ran.profile.executedConvMultiplyAdds;
      result.kernelTrials = ran.kernelTrials;
      return result;
    });
  }

  /** Segments one event on the engine's backend (WebGPU or wasm). Events are processed one at a
   *  time: a call made while another is in flight waits for it. */
  segment(model: Model, tensor: SparseTensor, options: RunOptions = {}): Promise<SegmentationResult> {
    const next = this.queue.then(() => {
      if (!this.gpu) return this.run(model, tensor, options);
      return this.segmentOnGpu(model, tensor, options);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async segmentOnGpu(model: Model, tensor: SparseTensor, options: RunOptions): Promise<SegmentationResult> {
    const gpu = this.gpu!;
    const taps = this.check(model, tensor, options);
    if (tensor.coords.length === 0) return emptyResult(model.config, taps);
    this.arena.resetEvent();
    try {
      const ev = this.begin(model, tensor, taps);
      const { graph } = model;
      let gm = this.gpuModels.get(model);
      if (!gm) {
        gm = gpu.uploadModel(this.k, model.paramBase, model.paramEnd);
        this.gpuModels.set(model, gm);
      }
      const tapBuffers = taps.map((t) => graph.outputs[t]);
      const out = await gpu.run(this.k, this.arena, graph, ev.geo, ev.plan, ev.sizes, gm, model.paramPtr, ev.ptr(graph.input), tapBuffers);
      // Results into the arena where the wasm path leaves them, then the common collection.
      const lg = graph.outputs.logits;
      const n0 = ev.sizes[0];
      this.arena.f32(ev.ptr(lg), out.logits.length).set(out.logits);
      tapBuffers.forEach((b) => { const d = out.taps.get(b)!; this.arena.f32(ev.ptr(b), d.length).set(d); });
      const scores = this.arena.alloc(out.scores.byteLength), labels = this.arena.alloc(n0 * 4);
      this.arena.f32(scores, out.scores.length).set(out.scores);
      // A mixing model decides its labels on the mixed scores; the GPU's argmax is for the others.
      if (model.config.smoothing) this.smooth(model, ev, scores, ev.stride(lg), labels);
      else this.arena.i32(labels, n0).set(out.labels);
      return this.finish(model, ev, { scores, labels });
    } finally {
      this.arena.resetEvent();
    }
  }

  private check(model: Model, tensor: SparseTensor, options: RunOptions): string[] {
    const entry = this.models.find((m) => m.model === model);
    if (!entry) {
      throw new SparseSSNetError("UNKNOWN_MODEL", "this model is not loaded in this engine (unloaded, or loaded by another engine)");
    }
    if (entry.damaged) {
      throw new ModelDamagedError("this model's weights were overwritten by an earlier kernel failure (EngineFault): unload it and load it again");
    }
    const cfg = model.config;
    validateSparseTensor(tensor, { dim: cfg.dim, channels: cfg.inputChannels, divisor: 2 ** (cfg.depth - 1) });
    for (const tap of options.taps ?? []) {
      if (!(tap in model.graph.outputs)) throw new SparseSSNetError("INVALID_OPTION", `unknown tap "${tap}"; known: ${Object.keys(model.graph.outputs).join(", ")}`);
    }
    return options.taps ?? [];
  }

  private guarded<T>(tensor: SparseTensor, body: () => T): T {
    this.arena.resetEvent();
    try {
      return body();
    } catch (e) {
      if (e instanceof SparseSSNetError) throw e;
      // A trap here is a bug (input was validated): report it with its context, and check that
      // the faulty kernel left every model's weights as they were loaded.
      const damaged = this.models.filter((m) => !m.damaged && this.paramChecksum(m.model) !== m.checksum);
      for (const m of damaged) m.damaged = true;
      const lost = damaged.length ? `; it wrote over the weights of ${damaged.length} loaded model(s), which must be unloaded and loaded again` : "; the loaded weights are intact";
      throw new EngineFault(`kernel failure on an event of ${tensor.coords.length / tensor.dim} rows: ${(e as Error).message}${lost}`, { cause: e });
    } finally {
      this.arena.resetEvent();
    }
  }

  /** Geometry, buffer plan and level-0 input features of an event, in the arena. */
  private begin(model: Model, tensor: SparseTensor, taps: string[]): EventState {
    const t0 = performance.now();
    const { graph, config: cfg } = model;
    const geo = buildGeometry(this.arena, tensor, cfg.depth, graph.subRulebooks, false, this.threads > 1 ? TILE_ROWS : SINGLE_THREAD_TILE_ROWS);
    const t1 = performance.now();
    const sizes = geo.levels.map((l) => l.n);
    const keep = [graph.outputs.logits, ...taps.map((t) => graph.outputs[t])];
    const planKey = `${sizes.join(",")}|${keep.join(",")}`;
    let plans = this.planCache.get(model);
    if (!plans) this.planCache.set(model, plans = new Map());
    let plan = plans.get(planKey);
    if (!plan) {
      if (plans.size > 64) plans.clear();
      plan = planBuffers(graph, sizes, keep);
      plans.set(planKey, plan);
    }
    const region = this.arena.alloc(plan.bytes);
    const p = plan;
    const ptr = (b: number) => region + p.offsets[b];
    const stride = (b: number) => p.strides[b];
    this.k.sumRowsIntoSites(geo.rowFeatures, cfg.inputChannels, geo.siteOfRow, geo.nRows, ptr(graph.input), stride(graph.input), sizes[0], cfg.inputChannels);
    return { geo, sizes, plan, ptr, stride, taps, t0, t1 };
  }

  private executeWasm(model: Model, ev: EventState, profiling: boolean, onConvolution?: (call: ConvolutionCall) => void):
    { profile?: { ms: Record<string, number>; executedConvMultiplyAdds: number }; kernelTrials: number } {
    const { graph } = model;
    const { geo, sizes, ptr, stride } = ev;
    const k = this.k;
    const profile: Record<string, number> | undefined = profiling ? { geometry: ev.t1 - ev.t0 } : undefined;
    let executed = 0, kernelTrials = 0;
    for (const op of graph.ops) {
      let ts = profiling ? performance.now() : 0;
      switch (op.kind) {
        case "subconv": case "down": case "up": {
          const I = graph.buffers[op.input];
          const rb = op.kind === "subconv" ? geo.sub.get(`${op.level}:${op.ks}`)! : geo.strided[op.level];
          const [rin, rout, tiles] = op.kind === "up" ? [rb.outIdx, rb.inIdx, rb.tilesBack!] : [rb.inIdx, rb.outIdx, rb.tiles];
          const nOut = sizes[op.kind === "down" ? op.level + 1 : op.level];
          const ep = op.epilogue ?? {};
          const bn = ep.bnParam !== undefined ? model.paramPtr.get(ep.bnParam)! : 0;
          const cp = stride(op.output);
          const mark = this.arena.mark();
          const x = ptr(op.input), xs = stride(op.input), n = sizes[I.level];
          const counted = countInput(k, this.arena, x, xs, n, I.channels, cp, rb.pairs);
          // One kernel, or on a trial event both, one after the other (the same bits; kernel-timings.ts).
          const plan = counted ? this.kernelTimings.plan(op, counted.costs) : untimed("dense");
          // A profiled run times its operations, not the kernels: one kernel, no trial recorded.
          const kernels = profile ? plan.kernels.slice(0, 1) : plan.kernels;
          if (kernels.length > 1) kernelTrials++;
          let entries = 0;
          const ms: number[] = [];
          for (const kernel of kernels) {
            const t0 = performance.now();
            if (kernel === "sparse" && !entries) entries = compressInput(k, this.arena, x, xs, n, I.channels, cp, counted!);
            const [nzStarts, nzEntries] = kernel === "sparse" ? [counted!.starts, entries] : [0, 0];
            const args: ConvArgs = [x, xs, ptr(op.output), cp, nOut,
              model.paramPtr.get(op.param)!, I.channels, cp, rb.K, tiles.starts, tiles.rows, tiles.n, 0, tiles.n, rin, rout,
              ep.addend !== undefined ? ptr(ep.addend) : 0, ep.addend !== undefined ? stride(ep.addend) : 0,
              bn, bn ? bn + cp * 4 : 0, ep.leak ?? 0, nzStarts, nzEntries];
            if (kernel === kernels[kernels.length - 1]) {
              onConvolution?.({ op: graph.ops.indexOf(op), kind: op.kind, level: op.level, inputRows: n, pairs: rb.pairs, args, memory: k.memory.buffer });
            }
            runConv(k, this.parallel, args);
            ms.push(performance.now() - t0);
            if (profile) { // counting is not part of the convolution's time
              const tc = performance.now();
              executed += this.executedMultiplyAdds(rin, rb.pairs, I.channels, graph.buffers[op.output].channels, nzStarts);
              ts += performance.now() - tc;
            }
          }
          if (!profile) plan.done(ms); // (profiling adds the counting)
          this.arena.release(mark);
          break;
        }
        case "bnact": {
          const p = model.paramPtr.get(op.param)!;
          const cp = stride(op.output);
          k.affineAct(ptr(op.input), stride(op.input), ptr(op.output), cp, sizes[graph.buffers[op.output].level], cp, p, p + cp * 4, op.leak);
          break;
        }
        case "add":
          k.addRows(ptr(op.a), stride(op.a), ptr(op.b), stride(op.b), ptr(op.output), stride(op.output),
            sizes[graph.buffers[op.output].level], stride(op.output));
          break;
        case "concat": {
          const [A, B, O] = [graph.buffers[op.a], graph.buffers[op.b], graph.buffers[op.output]];
          k.concatRows(ptr(op.a), stride(op.a), A.channels, ptr(op.b), stride(op.b), B.channels,
            ptr(op.output), stride(op.output), stride(op.output), sizes[O.level]);
          break;
        }
        case "nin": case "linear": {
          const [I, O] = [graph.buffers[op.input], graph.buffers[op.output]];
          const p = model.paramPtr.get(op.param)!;
          const cp = stride(op.output);
          const bias = op.kind === "linear" ? p + I.channels * cp * 4 : 0;
          runGemmRows(k, this.parallel, [ptr(op.input), stride(op.input), ptr(op.output), cp, sizes[O.level], p, I.channels, cp, bias]);
          break;
        }
      }
      if (profile) {
        const key = op.kind === "subconv" ? `subconv L${op.level}` : op.kind;
        profile[key] = (profile[key] ?? 0) + performance.now() - ts;
      }
    }
    return { profile: profile && { ms: profile, executedConvMultiplyAdds: executed }, kernelTrials };
  }

  /** Multiply-adds a convolution does: all of its rulebook's, or with a channel-sparse input only
   *  those of the non-zero inputs of each pair's input row (profiling only: it walks the pairs). */
  private executedMultiplyAdds(ruleIn: number, pairs: number, cin: number, cout: number, nzStarts: number): number {
    if (!nzStarts) return pairs * cin * cout;
    const rin = this.arena.i32(ruleIn, pairs);
    let maxRow = 0;
    for (let p = 0; p < pairs; p++) maxRow = Math.max(maxRow, rin[p]);
    const starts = this.arena.i32(nzStarts, maxRow + 2);
    let terms = 0;
    for (let p = 0; p < pairs; p++) terms += starts[rin[p] + 1] - starts[rin[p]];
    return terms * cout;
  }

  /** Softmax scores and argmax labels of the per-site logits, in the arena. */
  private wasmScores(model: Model, ev: EventState): { scores: number; labels: number } {
    const lg = model.graph.outputs.logits;
    const n0 = ev.sizes[0], C = model.config.classes;
    const scores = this.arena.alloc(n0 * ev.stride(lg) * 4);
    this.k.softmaxRows(ev.ptr(lg), ev.stride(lg), scores, ev.stride(lg), n0, C);
    const labels = this.arena.alloc(n0 * 4);
    if (model.config.smoothing) this.smooth(model, ev, scores, ev.stride(lg), labels);
    else this.k.argmaxRows(ev.ptr(lg), ev.stride(lg), n0, C, labels);
    return { scores, labels };
  }

  /** A model with `smoothing` (src/model/smoothing.ts): the per-site softmax scores at `scores` mixed
   *  with their neighbours' in place, and the labels decided on them. Both backends end here, so
   *  they give the same bits. */
  private smooth(model: Model, ev: EventState, scores: number, stride: number, labels: number): void {
    const { radius, share, constants } = model.config.smoothing!;
    const L = ev.geo.levels[0], C = model.config.classes;
    const k = this.arena.alloc(C * 4);
    this.arena.f32(k, C).set(constants);
    const sums = this.arena.alloc(L.n * C * 8), counts = this.arena.alloc(L.n * 4);
    const cursors = this.arena.alloc(this.k.smoothLines(ev.geo.dim, radius) * 4);
    this.k.smoothScores(L.keys, L.coords, L.n, ev.geo.dim, L.size[0], L.size[1], L.size[2] ?? 1, radius,
      scores, stride, C, share, k, sums, counts, cursors, scores, stride, labels);
  }

  /** Per-site results (logits and taps at their buffers, scores and labels given) gathered to the
   *  input rows. */
  private finish(model: Model, ev: EventState, site: { scores: number; labels: number }, profile?: Record<string, number>): SegmentationResult {
    const { graph, config: cfg } = model;
    const { geo, sizes, ptr, stride, taps } = ev;
    const k = this.k, arena = this.arena;
    const C = cfg.classes;
    const lg = graph.outputs.logits;
    const n0 = sizes[0];
    const nRows = geo.nRows;
    const rowsOut = arena.alloc(nRows * Math.max(C, ...taps.map((t) => graph.buffers[graph.outputs[t]].channels)) * 4);
    const gather = (src: number, srcStride: number, cols: number): Float32Array => {
      k.gatherRows(src, srcStride, geo.siteOfRow, nRows, rowsOut, cols, cols);
      return arena.f32(rowsOut, nRows * cols).slice();
    };
    const logits = gather(ptr(lg), stride(lg), C);
    const scores = gather(site.scores, stride(lg), C);
    const siteOfRow = arena.i32(geo.siteOfRow, nRows);
    const siteLabels = arena.i32(site.labels, n0);
    const labels = new Uint8Array(nRows);
    const trackShower = new Uint8Array(nRows);
    for (let r = 0; r < nRows; r++) {
      const l = siteLabels[siteOfRow[r]];
      labels[r] = l;
      trackShower[r] = trackShowerOf(l);
    }
    const tapOut: SegmentationResult["taps"] = {};
    for (const t of taps) {
      const b = graph.outputs[t];
      const ch = graph.buffers[b].channels;
      tapOut[t] = { channels: ch, data: gather(ptr(b), stride(b), ch) };
    }
    const siteRows = arena.i32(geo.firstRowOfSite, n0).slice().sort();
    const t2 = performance.now();
    return {
      nRows, nSites: n0, classes: C, logits, scores, labels, trackShower, siteRows, levelSizes: sizes,
      ...countMultiplyAdds(graph, geo, sizes), taps: tapOut, profile,
      timings: { geometryMs: ev.t1 - ev.t0, networkMs: t2 - ev.t1, totalMs: t2 - ev.t0 },
    };
  }
}

interface EventState {
  geo: Geometry;
  sizes: number[];
  plan: BufferPlan;
  ptr: (b: number) => number;
  stride: (b: number) => number;
  taps: string[];
  t0: number;
  t1: number;
}

/** Multiply-adds of the convolutions and dense layers, from the rulebook sizes. */
function countMultiplyAdds(g: Graph, geo: Geometry, sizes: number[]): { multiplyAdds: number; convMultiplyAdds: number } {
  let conv = 0, dense = 0;
  for (const op of g.ops) {
    if (op.kind === "subconv" || op.kind === "down" || op.kind === "up") {
      const rb = op.kind === "subconv" ? geo.sub.get(`${op.level}:${op.ks}`)! : geo.strided[op.level];
      conv += rb.pairs * g.buffers[op.input].channels * g.buffers[op.output].channels;
    } else if (op.kind === "nin" || op.kind === "linear") {
      dense += sizes[g.buffers[op.output].level] * g.buffers[op.input].channels * g.buffers[op.output].channels;
    }
  }
  return { multiplyAdds: conv + dense, convMultiplyAdds: conv };
}

function paramElements(p: ParamSpec): number {
  switch (p.kind) {
    case "conv": return p.K * p.cin * p.cout;
    case "nin": return p.cin * p.cout;
    case "bn": return 4 * p.channels;
    case "linear": return (p.cin + 1) * p.cout;
  }
}

function emptyResult(cfg: ModelConfig, taps: string[]): SegmentationResult {
  const g = buildUResNet(cfg);
  return {
    nRows: 0, nSites: 0, classes: cfg.classes, logits: new Float32Array(0), scores: new Float32Array(0),
    labels: new Uint8Array(0), trackShower: new Uint8Array(0), siteRows: new Int32Array(0),
    levelSizes: new Array(cfg.depth).fill(0),
    taps: Object.fromEntries(taps.map((t) => [t, { channels: g.buffers[g.outputs[t]].channels, data: new Float32Array(0) }])),
    multiplyAdds: 0, convMultiplyAdds: 0, timings: { geometryMs: 0, networkMs: 0, totalMs: 0 },
  };
}
