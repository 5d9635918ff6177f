// The in-browser event display: pick a bundled sample or drop an event file, segment it in the page
// (WebGPU on a real GPU, wasm otherwise), and look at it coloured by energy, prediction, track/shower
// and, when the file carries labels, truth and correctness. 3D events are shown as a projection that
// rotates when dragged.
import h5wasm from "h5wasm";
import { Engine, parseSafetensors, type Model, type SegmentationResult, type SparseTensor } from "../src/index.js";
import type { LabelledEvent } from "../src/data/labelled-event.js";
import type { H5File } from "../src/io/hdf5-read.js";
import { npzEvents } from "../src/io/npz-events.js";
import { PilarnetReader } from "../src/io/pilarnet.js";
import { SparseLayoutReader } from "../src/io/sparse-layout.js";
import { asFloat32, asInt32 } from "../src/weights/safetensors.js";

const CLASS_NAMES = ["HIP", "MIP", "shower", "delta", "Michel"];
const CLASS_COLOURS = ["#ff4d4d", "#4da6ff", "#ffa64d", "#66dd66", "#c77dff"];
const TS_COLOURS = ["#4da6ff", "#ffa64d"];

interface Loaded { tensor: SparseTensor; truth?: Uint8Array; name: string }
interface Shown { ev: Loaded; res: SegmentationResult; ms: number }

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = (s: string) => { $("status").textContent = s; };
let engine: Engine;
const models = new Map<number, { model: Model; about: string }>();
let shown: Shown | undefined;
let angle = 0.6;

async function fetchBytes(url: string): Promise<Uint8Array> {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** The shipped trained models (default-2d, default-3d), served from /models/. */
async function modelFor(dim: number): Promise<{ model: Model; about: string }> {
  let m = models.get(dim);
  if (!m) {
    const name = `default-${dim}d`;
    const model = engine.loadModelBytes(await fetchBytes(`models/${name}.safetensors`), undefined, name);
    const mix = model.config.smoothing;
    m = { model, about: `${name}: ${model.config.filters} filters, ${model.config.depth} levels${mix ? `, scores mixed over neighbours within ${mix.radius} sites` : ""}, trained on the project's simulation (see models/README.md)` };
    models.set(dim, m);
  }
  return m;
}

/** An event from a file's bytes, by name: .h5/.hdf5 (PILArNet-M or sparsessnet layout, through
 *  h5wasm's browser build on an in-memory copy), .npz, or .safetensors. */
async function eventFromFile(bytes: Uint8Array, name: string, spatialSize?: number[]): Promise<Loaded> {
  let ev: LabelledEvent;
  if (/\.(h5|hdf5)$/i.test(name)) {
    const mod = await h5wasm.ready;
    const fsName = `/upload-${Date.now()}.h5`;
    mod.FS.writeFile(fsName, bytes);
    const f = new h5wasm.File(fsName, "r") as unknown as H5File;
    try {
      const k = f.keys();
      const reader = k.includes("point") ? new PilarnetReader(f, name) : new SparseLayoutReader(f, name);
      ev = reader.read(0);
    } finally {
      (f as unknown as { close(): void }).close();
      mod.FS.unlink(fsName);
    }
  } else if (/\.npz$/i.test(name)) {
    ev = npzEvents(bytes, name).read(0);
  } else {
    return eventFromBytes(bytes, name, spatialSize);
  }
  return { name, tensor: ev.tensor, truth: ev.labels };
}

function eventFromBytes(bytes: Uint8Array, name: string, spatialSize?: number[]): Loaded {
  const f = parseSafetensors(bytes, name);
  const c = f.tensors.get("coords"), x = f.tensors.get("features");
  if (!c || !x) throw new Error(`${name}: needs "coords" and "features" tensors`);
  const dim = c.shape[1] as 2 | 3;
  const coords = asInt32(c, "coords");
  let size = spatialSize ?? (f.metadata.spatialSize ? JSON.parse(f.metadata.spatialSize) as number[] : undefined);
  if (!size) {
    // No size given: the smallest box holding every coordinate, rounded up to 16 (5 levels).
    size = Array.from({ length: dim }, (_, a) => {
      let m = 0;
      for (let i = a; i < coords.length; i += dim) m = Math.max(m, coords[i]);
      return Math.ceil((m + 1) / 16) * 16;
    });
  }
  const labels = f.tensors.get("labels");
  return {
    name, truth: labels ? Uint8Array.from(asInt32(labels, "labels")) : undefined,
    tensor: { dim, spatialSize: size, coords, features: asFloat32(x, "features"), channels: x.shape.length > 1 ? x.shape[1] : 1 },
  };
}

async function segment(ev: Loaded) {
  status(`segmenting ${ev.name} (${ev.tensor.coords.length / ev.tensor.dim} rows)…`);
  const { model, about } = await modelFor(ev.tensor.dim);
  await engine.segment(model, ev.tensor); // warm-up: compile kernels, size buffers
  const t0 = performance.now();
  const res = await engine.segment(model, ev.tensor);
  const ms = performance.now() - t0;
  shown = { ev, res, ms };
  const counts = CLASS_NAMES.map((_, c) => res.labels.reduce((s, l) => s + (l === c ? 1 : 0), 0));
  status(`${ev.name}: ${res.nRows} rows, ${res.nSites} sites; ${ms.toFixed(1)} ms per event on ${engine.backend}; ` +
    CLASS_NAMES.map((n, c) => `${n} ${counts[c]}`).join(", "));
  $("note").textContent = about;
  (globalThis as { __sparsessnet?: unknown }).__sparsessnet = {
    backend: engine.backend, ms, nRows: res.nRows, labels: Array.from(res.labels),
  };
  draw();
}

function colourOf(i: number, mode: string, maxE: number): string {
  const s = shown!;
  switch (mode) {
    case "energy": {
      const t = Math.min(1, Math.sqrt(s.ev.tensor.features[i * s.ev.tensor.channels] / maxE));
      return `hsl(${260 - 220 * t}, 90%, ${25 + 45 * t}%)`;
    }
    case "trackShower": return TS_COLOURS[s.res.trackShower[i]];
    case "truth": return s.ev.truth ? CLASS_COLOURS[s.ev.truth[i]] : "#888";
    case "correct": return s.ev.truth ? (s.ev.truth[i] === s.res.labels[i] ? "#3c3" : "#f33") : "#888";
    default: return CLASS_COLOURS[s.res.labels[i]];
  }
}

function draw() {
  const cv = $<HTMLCanvasElement>("canvas");
  const g = cv.getContext("2d")!;
  if (shown) {
    // 2D images keep their aspect ratio at the full width; 3D projections get a square-ish view.
    const [h, w] = shown.ev.tensor.spatialSize;
    cv.height = shown.ev.tensor.dim === 2 ? Math.max(100, Math.round(Math.min(700, cv.width * h / w))) : 700;
  }
  g.fillStyle = "#000";
  g.fillRect(0, 0, cv.width, cv.height);
  if (!shown) return;
  const mode = $<HTMLSelectElement>("colour").value;
  const { tensor } = shown.ev;
  const n = tensor.coords.length / tensor.dim;
  let maxE = 0;
  for (let i = 0; i < n; i++) maxE = Math.max(maxE, tensor.features[i * tensor.channels]);
  const legend = mode === "energy" ? [["low", "hsl(260,90%,25%)"], ["high", "hsl(40,90%,70%)"]]
    : mode === "trackShower" ? [["track", TS_COLOURS[0]], ["shower", TS_COLOURS[1]]]
    : mode === "correct" ? [["correct", "#3c3"], ["wrong", "#f33"]]
    : CLASS_NAMES.map((nm, c) => [nm, CLASS_COLOURS[c]]);
  $("legend").innerHTML = legend.map(([t, c]) => `<span style="--c:${c}">${t}</span>`).join("");
  const pts: [number, number, number, number][] = [];
  if (tensor.dim === 2) {
    // Axis 0 = wire (rows), axis 1 = drift time (columns), as the image is stored.
    const [h, w] = tensor.spatialSize;
    const sc = Math.min(cv.width / w, cv.height / h);
    for (let i = 0; i < n; i++) pts.push([tensor.coords[2 * i + 1] * sc, tensor.coords[2 * i] * sc, 0, i]);
    const dot = Math.max(1.5, sc);
    for (const [x, y, , i] of pts) { g.fillStyle = colourOf(i, mode, maxE); g.fillRect(x, y, dot, dot); }
  } else {
    const S = Math.max(...tensor.spatialSize);
    const sc = Math.min(cv.width, cv.height) / (S * 1.5);
    const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
    for (let i = 0; i < n; i++) {
      const [x, y, z] = [0, 1, 2].map((a) => tensor.coords[3 * i + a] - tensor.spatialSize[a] / 2);
      pts.push([cv.width / 2 + (x * ca + z * sa) * sc, cv.height / 2 - y * sc, -x * sa + z * ca, i]);
    }
    pts.sort((a, b) => a[2] - b[2]);
    const dot = Math.max(1.5, sc);
    for (const [x, y, , i] of pts) { g.fillStyle = colourOf(i, mode, maxE); g.fillRect(x, y, dot, dot); }
  }
}

async function main() {
  engine = await Engine.create({ backend: "auto" });
  $("backend").textContent = `backend: ${engine.backend}${engine.adapter ? ` (${engine.adapter.description})` : ""}`;
  if (engine.note) $("backend").title = engine.note;
  const samples = await (await fetch("samples/index.json")).json() as { name: string; file: string; spatialSize?: number[] }[];
  const sel = $<HTMLSelectElement>("sample");
  sel.innerHTML = samples.map((s, i) => `<option value="${i}">${s.name}</option>`).join("");
  $("run").onclick = async () => {
    const s = samples[Number(sel.value)];
    try {
      await segment(await eventFromFile(await fetchBytes(`samples/${s.file}`), s.file, s.spatialSize));
    } catch (e) { status(`error: ${(e as Error).message}`); }
  };
  $("colour").onchange = draw;
  const drop = $("drop");
  drop.ondragover = (e) => { e.preventDefault(); drop.classList.add("over"); };
  drop.ondragleave = () => drop.classList.remove("over");
  drop.ondrop = async (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    const file = e.dataTransfer?.files[0];
    if (!file) return;
    try { await segment(await eventFromFile(new Uint8Array(await file.arrayBuffer()), file.name)); } catch (err) { status(`error: ${(err as Error).message}`); }
  };
  const cv = $<HTMLCanvasElement>("canvas");
  let dragX: number | undefined;
  cv.onpointerdown = (e) => { dragX = e.clientX; };
  cv.onpointerup = () => { dragX = undefined; };
  cv.onpointermove = (e) => {
    if (dragX === undefined || shown?.ev.tensor.dim !== 3) return;
    angle += (e.clientX - dragX) / 150;
    dragX = e.clientX;
    draw();
  };
  status("pick a sample and press Segment, or drop a file");
}

main().catch((e) => status(`error: ${(e as Error).message}`));
