// The training loop around the gradients: finite differences of the loss, exact resume from a
// checkpoint, loss weighting schemes and the batch/crop helpers, each against an independent
// brute-force reference.
import assert from "node:assert/strict";
import { test } from "node:test";
import { instantiateKernels } from "../src/backend/wasm/module.js";
import { cropEvent, makeBatch } from "../src/data/batch.js";
import { IGNORE_LABEL, type LabelledEvent } from "../src/data/labelled-event.js";
import { parseModelConfig } from "../src/model/config.js";
import { ForwardBackward } from "../src/train/forward-backward.js";
import { clusterWeights, lossWeights, VERTEX_RADIUS, VERTEX_WEIGHT, vertexWeights } from "../src/train/loss-weights.js";
import { Trainer, type TrainingSource } from "../src/train/trainer.js";
import { initialTrainingWeights } from "../src/weights/random-init.js";
import { randomWalkEvent } from "./support/events.js";

const kernels = await instantiateKernels();

/** A labelled event whose classes follow the position (learnable), with instances per class blob. */
function labelledEvent(index: number, dim: 2 | 3 = 2, size = 32, sites = 120): LabelledEvent {
  const tensor = randomWalkEvent({ dim, size, sites, seed: 100 + index });
  const n = tensor.coords.length / dim;
  const labels = Uint8Array.from({ length: n }, (_, r) => ((tensor.coords[r * dim] * 5) / size) | 0);
  const instances = Int32Array.from({ length: n }, (_, r) => labels[r] * 10 + (tensor.coords[r * dim + 1] >= size / 2 ? 1 : 0));
  return { index, tensor, labels, instances };
}

test("finite differences of the training loss match the backward pass, for every parameter tensor and the input", () => {
  // Single-entry differences drown in float32 rounding (the forward pass is float32) and in ReLU
  // kinks; a directional derivative along the whole tensor's gradient has a large signal:
  // (L(x + h g/|g|) - L(x - h g/|g|)) / 2h must equal |g|.
  for (const [dim, leakiness, tol] of [[2, 0, 0.03], [2, 0.1, 0.03], [3, 0, 0.05]] as const) {
    const cfg = parseModelConfig({ dim, filters: 4, depth: 2, leakiness });
    const fb = new ForwardBackward(kernels, cfg);
    const params = initialTrainingWeights(cfg, 7);
    // Move BN affine away from the identity so every term matters.
    for (const [name, t] of params) if (/\.(weight|bias)$/.test(name) && params.has(name.replace(/\.(weight|bias)$/, ".running_mean"))) t.data.forEach((_, i) => { t.data[i] += 0.1 * Math.sin(i + name.length); });
    const ev = labelledEvent(1, dim, 16, dim === 2 ? 60 : 80);
    const labels = Int32Array.from(ev.labels!);
    const w = Float32Array.from({ length: labels.length }, (_, i) => 0.5 + (i % 3));
    const base = fb.run(params, ev.tensor, labels, w);
    const h = 1e-3;
    const directional = (data: Float32Array, g: Float32Array): [number, number] => {
      const norm = Math.hypot(...g), x0 = Float32Array.from(data);
      const at = (s: number) => {
        for (let i = 0; i < g.length; i++) data[i] = x0[i] + s * h * g[i] / norm;
        const l = fb.run(params, ev.tensor, labels, w).loss;
        data.set(x0);
        return l;
      };
      return [norm, (at(1) - at(-1)) / (2 * h)];
    };
    let checked = 0;
    for (const [name, g] of base.grads) {
      const [norm, fd] = directional(params.get(name)!.data, g);
      if (norm < 1e-6) continue;
      assert.ok(Math.abs(fd - norm) <= tol * norm, `${dim}D leak ${leakiness} ${name}: |grad| ${norm}, finite difference ${fd}`);
      checked++;
    }
    assert.equal(checked, base.grads.size, "every parameter tensor has a gradient");
    const [norm, fd] = directional(ev.tensor.features, base.gradFeatures);
    assert.ok(Math.abs(fd - norm) <= tol * norm, `${dim}D input features: |grad| ${norm}, finite difference ${fd}`);
  }
});

const source: TrainingSource = { count: 10, event: (i) => labelledEvent(i), describe: "test events" };
const options = { seed: 3, batchSize: 2, weighting: "sparsessnet" as const, lr: 3e-3, weightDecay: 1e-4, schedule: "cosine" as const, iterations: 8, bnMomentum: 0.99, crop: [16, 16], minCropSites: 10 };

test("a run resumed from a checkpoint continues exactly (same losses, same weights, bit for bit)", () => {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 2 });
  const straight = new Trainer(kernels, cfg, options, initialTrainingWeights(cfg, 1));
  for (let i = 0; i < 8; i++) straight.step(source);
  const first = new Trainer(kernels, cfg, options, initialTrainingWeights(cfg, 1));
  for (let i = 0; i < 4; i++) first.step(source);
  const resumed = Trainer.fromCheckpoint(kernels, first.checkpoint());
  assert.equal(resumed.iteration, 4);
  for (let i = 0; i < 4; i++) resumed.step(source);
  assert.deepEqual(resumed.history.map((h) => h.loss), straight.history.map((h) => h.loss));
  for (const [name, t] of straight.params) assert.deepEqual(resumed.params.get(name)!.data, t.data, name);
});

test("batches of a finite source follow a seeded permutation per epoch: every event once per epoch", () => {
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 2 });
  const tr = new Trainer(kernels, cfg, { ...options, batchSize: 3 }, initialTrainingWeights(cfg, 1));
  const seen: number[] = [];
  for (let t = 0; t < 10; t++) for (let j = 0; j < 3; j++) seen.push(tr.eventIndex(source, t, j));
  for (let e = 0; e < 3; e++) assert.deepEqual([...seen.slice(10 * e, 10 * e + 10)].sort((a, b) => a - b), [...Array(10).keys()], `epoch ${e}`);
  assert.notDeepEqual(seen.slice(0, 10), seen.slice(10, 20));
});

test("class-inverse weights: each class present carries the same total weight; ignored sites weigh 0", () => {
  const ev = labelledEvent(2, 2, 32, 200);
  ev.labels![0] = IGNORE_LABEL;
  const w = lossWeights(ev, "class-inverse");
  const totals = new Map<number, number>();
  ev.labels!.forEach((l, i) => { if (l !== IGNORE_LABEL) totals.set(l, (totals.get(l) ?? 0) + w[i]); });
  for (const t of totals.values()) assert.ok(Math.abs(t - 1 / totals.size) < 1e-6, `class total ${t}`);
  assert.equal(w[0], 0);
});

test("sparsessnet+class-inverse weights: half of each scheme, SparseSSNet's scaled to the event; the loss is their mean", () => {
  const ev = labelledEvent(4, 3, 32, 300);
  ev.labels![1] = IGNORE_LABEL;
  const [s, c, m] = (["sparsessnet", "class-inverse", "sparsessnet+class-inverse"] as const).map((k) => lossWeights(ev, k));
  const sum = (a: Float32Array) => a.reduce((x, y) => x + y, 0);
  const S = sum(s);
  m.forEach((v, i) => assert.ok(Math.abs(v - (0.5 * s[i] / S + 0.5 * c[i])) <= 1e-7 * (1 + v), `site ${i}`));
  assert.ok(Math.abs(sum(m) - 1) < 1e-5, `sum ${sum(m)}`);
  assert.equal(m[1], 0);
  // For one event, sum(w CE) / sum(w) is the mean of the two schemes' normalised losses.
  const ce = Float64Array.from(m, (_, i) => 0.1 + (i % 7) * 0.3);
  const loss = (w: Float32Array) => w.reduce((a, v, i) => a + v * ce[i], 0) / sum(w);
  assert.ok(Math.abs(loss(m) - 0.5 * (loss(s) + loss(c))) < 1e-5);
});

test("SparseSSNet weights: cluster term 1/size clamped to [2e-4, 2e-2]; vertex term by brute force", () => {
  for (const dim of [2, 3] as const) {
    const ev = labelledEvent(3, dim, 32, 400);
    // One big cluster (clamped low) and one single-site cluster (clamped high).
    ev.instances!.fill(7);
    ev.instances![5] = 99;
    ev.labels![5] = 4;
    const c = clusterWeights(ev);
    assert.equal(c[5], Math.fround(2e-2));
    assert.equal(c[0], Math.fround(Math.max(2e-4, 1 / (ev.labels!.length - 1))));
    const v = vertexWeights(ev);
    const n = ev.labels!.length, x = ev.tensor.coords;
    for (let i = 0; i < n; i++) {
      let near = false;
      for (let j = 0; j < n && !near; j++) {
        if (ev.labels![j] === ev.labels![i]) continue;
        let d = 0;
        for (let a = 0; a < dim; a++) d = Math.max(d, Math.abs(x[i * dim + a] - x[j * dim + a]));
        near = d <= VERTEX_RADIUS;
      }
      assert.equal(v[i], near ? Math.fround(VERTEX_WEIGHT) : 0, `${dim}D site ${i}`);
    }
    const total = lossWeights(ev, "sparsessnet");
    total.forEach((t, i) => assert.equal(t, Math.fround(c[i] + v[i])));
  }
});

test("vertex weights: the sorted-row sweep equals a brute force over all pairs, with repeated coordinates, ignored sites and grid edges", () => {
  // Scattered sites of random labels on small non-cubic grids, so that boxes reach over every edge,
  // some coordinates repeat (with the same or another label) and some sites are ignored.
  const rnd = (() => { let x = 12345; return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31; })();
  for (const spatialSize of [[9, 13], [40, 7], [9, 13, 7], [6, 21, 11]]) {
    const dim = spatialSize.length as 2 | 3;
    for (const n of [1, 30, 250]) {
      const coords = new Int32Array(n * dim);
      for (let i = 0; i < n; i++) {
        if (i > 0 && rnd() < 0.1) coords.copyWithin(i * dim, (i - 1) * dim, i * dim); // a repeated coordinate
        else for (let a = 0; a < dim; a++) coords[i * dim + a] = rnd() < 0.15 ? (rnd() < 0.5 ? 0 : spatialSize[a] - 1) : Math.floor(rnd() * spatialSize[a]);
      }
      const labels = Uint8Array.from({ length: n }, () => (rnd() < 0.1 ? IGNORE_LABEL : Math.floor(rnd() * 3)));
      const ev: LabelledEvent = { index: 0, tensor: { dim, coords, features: new Float32Array(n), channels: 1, spatialSize }, labels };
      const v = vertexWeights(ev);
      for (let i = 0; i < n; i++) {
        let near = false;
        for (let j = 0; j < n && !near && labels[i] !== IGNORE_LABEL; j++) {
          if (labels[j] === IGNORE_LABEL || labels[j] === labels[i]) continue;
          let d = 0;
          for (let a = 0; a < dim; a++) d = Math.max(d, Math.abs(coords[i * dim + a] - coords[j * dim + a]));
          near = d <= VERTEX_RADIUS;
        }
        assert.equal(v[i], near ? Math.fround(VERTEX_WEIGHT) : 0, `${spatialSize} n ${n} site ${i}`);
      }
    }
  }
});

test("crops keep exactly the sites inside the box, shifted; batches concatenate with a batch column", () => {
  const ev = labelledEvent(4, 2, 32, 200);
  const crop = cropEvent(ev, [8, 4], [16, 16]);
  const inside = [...Array(ev.labels!.length).keys()].filter((i) => {
    const a = ev.tensor.coords[2 * i] - 8, b = ev.tensor.coords[2 * i + 1] - 4;
    return a >= 0 && a < 16 && b >= 0 && b < 16;
  });
  assert.equal(crop.labels!.length, inside.length);
  inside.forEach((i, r) => {
    assert.equal(crop.tensor.coords[2 * r], ev.tensor.coords[2 * i] - 8);
    assert.equal(crop.labels![r], ev.labels![i]);
    assert.equal(crop.tensor.features[r], ev.tensor.features[i]);
  });
  const b = makeBatch([crop, crop], [new Float32Array(inside.length).fill(1), new Float32Array(inside.length).fill(2)]);
  assert.deepEqual(b.offsets, [0, inside.length, 2 * inside.length]);
  assert.equal(b.tensor.batch![inside.length], 1);
  assert.equal(b.weights[inside.length], 2);
});

test("class-centred crops: every class present is the centre about equally often, a lone Michel site included", () => {
  // 200 MIP sites along a line, one Michel site far away: site-centred 8x8 crops almost never
  // contain the Michel site; class-centred crops contain it about half the time.
  const coords: number[] = [], labels: number[] = [];
  for (let i = 0; i < 200; i++) { coords.push(i % 64, 2); labels.push(1); }
  coords.push(60, 60); labels.push(4);
  const ev: LabelledEvent = {
    index: 0, labels: Uint8Array.from(labels), instances: new Int32Array(labels.length),
    tensor: { dim: 2, spatialSize: [64, 64], channels: 1, coords: Int32Array.from(coords), features: new Float32Array(labels.length).fill(1) },
  };
  const source: TrainingSource = { count: 1, event: () => ev, describe: "one event" };
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 2 });
  const seen = (cropCentre: "site" | "class") => {
    const tr = new Trainer(kernels, cfg, { ...options, crop: [8, 8], cropCentre, minCropSites: 0, batchSize: 1 }, initialTrainingWeights(cfg, 1));
    let withMichel = 0;
    for (let t = 0; t < 400; t++) if (tr.batchEvents(source, t)[0].labels!.includes(4)) withMichel++;
    return withMichel / 400;
  };
  const bySite = seen("site"), byClass = seen("class");
  assert.ok(bySite < 0.05, `site-centred crops hold the Michel site ${bySite}`);
  assert.ok(byClass > 0.35 && byClass < 0.65, `class-centred crops hold the Michel site ${byClass}`);
});

test("balanced crops: a class in one event of eight still centres a fifth of the crops, from a recent event, the same after a resume; --balanced-share chooses that share of the slots so", () => {
  // Endless stream: classes 0-3 on short lines in every event, a lone Michel site far from them
  // only in events i % 8 == 0. Class-centred crops hold it 1/8 x 1/5 of the time; balanced crops
  // about 1/5, taken from the latest Michel event at or before the slot's own.
  const event = (i: number): LabelledEvent => {
    const coords: number[] = [], labels: number[] = [];
    for (let c = 0; c < 4; c++) for (let x = 0; x < 30; x++) { coords.push(x, 2 + 3 * c); labels.push(c); }
    if (i % 8 === 0) { coords.push(60, 60); labels.push(4); }
    return {
      index: i, labels: Uint8Array.from(labels), instances: new Int32Array(labels.length),
      tensor: { dim: 2, spatialSize: [64, 64], channels: 1, coords: Int32Array.from(coords), features: new Float32Array(labels.length).fill(1) },
    };
  };
  const source: TrainingSource = { event, describe: "Michel every 8th event" };
  const cfg = parseModelConfig({ dim: 2, filters: 4, depth: 2 });
  const trainer = (cropCentre: "class" | "balanced") => new Trainer(kernels, cfg, { ...options, crop: [8, 8], cropCentre, minCropSites: 0, batchSize: 3 }, initialTrainingWeights(cfg, 1));
  const michelShare = (cropCentre: "class" | "balanced") => {
    const tr = trainer(cropCentre);
    let withMichel = 0, crops = 0;
    for (let t = 0; t < 300; t++) {
      tr.batchEvents(source, t).forEach((ev, j) => {
        crops++;
        if (!ev.labels!.includes(4)) return;
        withMichel++;
        const slot = t * 3 + j;
        assert.ok(ev.index % 8 === 0 && ev.index <= slot && slot - ev.index < 8, `slot ${slot} took its Michel from event ${ev.index}`);
      });
    }
    return withMichel / crops;
  };
  const byClass = michelShare("class"), balanced = michelShare("balanced");
  assert.ok(byClass < 0.05, `class-centred crops hold the Michel site ${byClass}`);
  assert.ok(balanced > 0.15 && balanced < 0.25, `balanced crops hold the Michel site ${balanced}`);
  // A resumed run starts with nothing read: iteration 40 must come out the same.
  const walked = trainer("balanced"), fresh = trainer("balanced");
  for (let t = 0; t < 40; t++) walked.batchEvents(source, t);
  const key = (evs: LabelledEvent[]) => evs.map((e) => [e.index, [...e.tensor.coords]]);
  assert.deepEqual(key(walked.batchEvents(source, 40)), key(fresh.batchEvents(source, 40)));

  // --balanced-share: a share of 1 is the balanced batch itself, 0 the stream's own events cropped as
  // "site" crops are, and a share in between chooses that part of the slots by class, the rest as 0 does.
  const shared = (balancedShare: number, cropCentre: "site" | "balanced" = "balanced") =>
    new Trainer(kernels, cfg, { ...options, crop: [8, 8], cropCentre, balancedShare, minCropSites: 0, batchSize: 3 }, initialTrainingWeights(cfg, 1));
  const whole = shared(1), none = shared(0), site = shared(1, "site"), half = shared(0.5), reference = trainer("balanced");
  let fromBalanced = 0, fromStream = 0;
  for (let t = 0; t < 200; t++) {
    const all = reference.batchEvents(source, t);
    assert.deepEqual(key(whole.batchEvents(source, t)), key(all));
    const own = site.batchEvents(source, t);
    assert.deepEqual(key(none.batchEvents(source, t)), key(own));
    half.batchEvents(source, t).forEach((ev, j) => {
      const k = JSON.stringify(key([ev]));
      const isBalanced = k === JSON.stringify(key([all[j]])), isOwn = k === JSON.stringify(key([own[j]]));
      assert.ok(isBalanced || isOwn, `slot ${t * 3 + j} is neither the balanced slot nor the stream's own`);
      if (isBalanced && !isOwn) fromBalanced++;
      if (isOwn && !isBalanced) fromStream++;
    });
  }
  const chosen = fromBalanced / (fromBalanced + fromStream);
  assert.ok(chosen > 0.4 && chosen < 0.6, `share 0.5 chose ${chosen} of the slots that differ by class`);
});
