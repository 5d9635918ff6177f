// The PILArNet-M layout (public LArTPC dataset, HDF5): per event, flat float32 sequences
//   point         (N, 8): x, y, z (voxel indices), energy, 4 more per-voxel features
//   cluster       (K, 6): cluster_size, cluster_id, group_id, interaction_id, semantic, pid
//   cluster_extra (K, 6): mass_MeV, |p|_GeV, vtx_x, vtx_y, vtx_z, is_primary
// Points are grouped by cluster in cluster order; cluster 0 collects low-energy scatters.
// Semantic: 0 shower, 1 track, 2 Michel, 3 delta, 4 low-energy deposit, -1 ignore;
// pid: 0 photon, 1 electron, 2 muon, 3 pion, 4 proton, 5 none.
// Mapped to SparseSSNet's 5 classes: track with proton pid -> HIP, other tracks -> MIP, shower,
// delta, Michel; low-energy deposits -> shower or ignored (option). Our own files in this layout
// also carry `spatial_size` (int32 [3]), which PILArNet-M's own files lack (their cube is 768).

import { DELTA, HIP, IGNORE_LABEL, MICHEL, MIP, SHOWER_CLASS, type LabelledEvent, type TrueParticle } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";
import { dataset, datasetLength, vlenElement, type H5File } from "./hdf5-read.js";
import type { Hdf5VlenWriter } from "./hdf5-vlen-writer.js";

export const PILARNET_DATASETS = ["point", "cluster", "cluster_extra"] as const;
export const PILARNET_SIZE = 768;
export type LowEnergyMapping = "shower" | "ignore";

export const SEMANTIC = { shower: 0, track: 1, michel: 2, delta: 3, lowEnergy: 4 } as const;
export const PID = { photon: 0, electron: 1, muon: 2, pion: 3, proton: 4, none: 5 } as const;

/** 5-class label of a PILArNet-M (semantic, pid) pair. */
export function classOf(semantic: number, pid: number, lowEnergy: LowEnergyMapping): number {
  switch (semantic) {
    case SEMANTIC.track: return pid === PID.proton ? HIP : MIP;
    case SEMANTIC.shower: return SHOWER_CLASS;
    case SEMANTIC.michel: return MICHEL;
    case SEMANTIC.delta: return DELTA;
    case SEMANTIC.lowEnergy: return lowEnergy === "shower" ? SHOWER_CLASS : IGNORE_LABEL;
    default: return IGNORE_LABEL;
  }
}

export class PilarnetReader {
  readonly count: number;
  private readonly point;
  private readonly cluster;
  private readonly size: number[];

  constructor(f: H5File, private readonly path: string, private readonly lowEnergy: LowEnergyMapping = "shower", size?: number) {
    this.point = dataset(f, "point", path);
    this.cluster = dataset(f, "cluster", path);
    this.count = datasetLength(this.point, `${path}:point`);
    const nc = datasetLength(this.cluster, `${path}:cluster`);
    if (nc !== this.count) throw new InvalidInputError(`${path}: "point" has ${this.count} events but "cluster" has ${nc}`);
    let s = size ?? PILARNET_SIZE;
    if (size === undefined && f.keys().includes("spatial_size")) {
      const v = dataset(f, "spatial_size", path).value as ArrayLike<number>;
      s = Number(v[0]);
    }
    this.size = [s, s, s];
  }

  read(i: number): LabelledEvent {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new InvalidInputError(`${this.path}: event ${i} out of range [0, ${this.count})`);
    const what = `${this.path}: event ${i}`;
    const pt = vlenElement(this.point, i, `${this.path}:point`), cl = vlenElement(this.cluster, i, `${this.path}:cluster`);
    if (pt.length % 8 !== 0) throw new InvalidInputError(`${what}: "point" has ${pt.length} values, not a multiple of 8`);
    if (cl.length % 6 !== 0) throw new InvalidInputError(`${what}: "cluster" has ${cl.length} values, not a multiple of 6`);
    const n = pt.length / 8, k = cl.length / 6;
    const coords = new Int32Array(3 * n), energy = new Float32Array(n), labels = new Uint8Array(n), instances = new Int32Array(n);
    for (let r = 0; r < n; r++) {
      for (let a = 0; a < 3; a++) {
        const v = pt[8 * r + a];
        if (!Number.isInteger(v) || v < 0 || v >= this.size[a]) throw new InvalidInputError(`${what}: point ${r} coordinate ${a} = ${v} is not a voxel index in [0, ${this.size[a]})`);
        coords[3 * r + a] = v;
      }
      energy[r] = pt[8 * r + 3];
    }
    let row = 0;
    for (let c = 0; c < k; c++) {
      const size = cl[6 * c];
      if (!Number.isInteger(size) || size < 0) throw new InvalidInputError(`${what}: cluster ${c} has size ${size}`);
      if (row + size > n) throw new InvalidInputError(`${what}: cluster sizes add up to more than the ${n} points`);
      labels.fill(classOf(cl[6 * c + 4], cl[6 * c + 5], this.lowEnergy), row, row + size);
      instances.fill(cl[6 * c + 2], row, row + size); // group id: the particle instance
      row += size;
    }
    if (row !== n) throw new InvalidInputError(`${what}: cluster sizes add up to ${row}, but there are ${n} points`);
    return { index: i, tensor: { dim: 3, spatialSize: [...this.size], channels: 1, coords, features: energy }, labels, instances };
  }
}

const MASS_OF_PID = [0, 0.511, 105.658, 139.570, 938.272, 0];

function pidOfPdg(pdg: number): number {
  switch (Math.abs(pdg)) {
    case 22: return PID.photon;
    case 11: return PID.electron;
    case 13: return PID.muon;
    case 211: return PID.pion;
    case 2212: return PID.proton;
    default: return PID.none;
  }
}

const SEMANTIC_OF_CLASS = [SEMANTIC.track, SEMANTIC.track, SEMANTIC.shower, SEMANTIC.delta, SEMANTIC.michel];

/** Appends one 3D event in the PILArNet-M layout: points grouped by (instance, class) cluster in
 *  order of first appearance, after an empty cluster 0 (we make no separate low-energy cluster). */
export function appendPilarnetEvent(w: Hdf5VlenWriter, ev: LabelledEvent): void {
  const t = ev.tensor;
  if (t.dim !== 3) throw new InvalidInputError(`event ${ev.index}: the PILArNet-M layout holds 3D events, this one is ${t.dim}D`);
  if (!ev.labels) throw new InvalidInputError(`event ${ev.index}: the PILArNet-M layout needs labels`);
  const n = t.coords.length / 3, C = t.channels;
  const particles = new Map<number, TrueParticle>((ev.particles ?? []).map((p) => [p.id, p]));
  const key = (r: number) => `${ev.instances ? ev.instances[r] : -1}:${ev.labels![r]}`;
  const order: string[] = [], members = new Map<string, number[]>();
  for (let r = 0; r < n; r++) {
    if (ev.labels[r] === IGNORE_LABEL) continue;
    const kk = key(r);
    let m = members.get(kk);
    if (!m) { members.set(kk, m = []); order.push(kk); }
    m.push(r);
  }
  const ignored = [...Array(n).keys()].filter((r) => ev.labels![r] === IGNORE_LABEL);
  const point = new Float32Array(8 * n), cluster = new Float32Array(6 * (order.length + 1)), extra = new Float32Array(6 * (order.length + 1));
  // Cluster 0: the sites without a class (semantic -1 would drop the cluster's meaning; PILArNet's
  // cluster 0 holds low-energy deposits, which we label as ignore).
  cluster.set([ignored.length, 0, -1, 0, -1, PID.none], 0);
  let p = 0;
  const put = (r: number) => {
    for (let a = 0; a < 3; a++) point[8 * p + a] = t.coords[3 * r + a];
    point[8 * p + 3] = t.features[r * C];
    p++;
  };
  ignored.forEach(put);
  order.forEach((kk, c) => {
    const rows = members.get(kk)!, r0 = rows[0];
    const cls = ev.labels![r0], inst = ev.instances ? ev.instances[r0] : c;
    const part = particles.get(inst);
    const pid = part ? pidOfPdg(part.pdg) : cls === HIP ? PID.proton : cls === MIP ? PID.muon : PID.electron;
    cluster.set([rows.length, c + 1, inst, 0, SEMANTIC_OF_CLASS[cls], pid], 6 * (c + 1));
    if (part) {
      const m = MASS_OF_PID[pid], pMom = Math.sqrt(part.kineticMeV * (part.kineticMeV + 2 * m)) / 1000;
      extra.set([m, pMom, part.start[0], part.start[1], part.start[2], part.parent === -1 ? 1 : 0], 6 * (c + 1));
    }
    rows.forEach(put);
  });
  w.append("point", point);
  w.append("cluster", cluster);
  w.append("cluster_extra", extra);
}
