// The event generator's public API: seeded, physically grounded LArTPC events with a 5-class label,
// an energy and a particle instance per site, and the true particle list. Browser-safe.

import type { LabelledEvent } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";
import { Deposits } from "./deposits.js";
import { cosmicMuon, particleBomb } from "./particle-bomb.js";
import { Random } from "./random.js";
import { Transport, type Vec3, type World } from "./transport.js";
import { voxelize } from "./voxelize.js";
import { wireImage, type Plane } from "./wire-planes.js";

export interface SimConfig {
  dim: 2 | 3;
  /** 3D: cube side in voxels (192, 512, 768 ...; a multiple of 16). */
  size?: number;
  /** 3D voxel size in mm (3). */
  voxelMm?: number;
  /** Number of cosmic muons per event, [min, max]: default [5, 10] in 2D, [0, 0] in 3D. */
  cosmics?: [number, number];
  /** Fraction of events drawn from the low-energy particle bomb (0.15). */
  lowEnergyFraction?: number;
  /** 2D: wire plane (Y). */
  plane?: Plane;
  /** 2D: image rows (drift ticks) x columns (wires): [1008, 3456]. */
  imageSize?: [number, number];
  /** 3D: transverse smearing, Gaussian sigma in voxels (0.5). */
  smearing?: number;
  /** 3D: voxels below this energy (MeV) are dropped (0.01). */
  threshold?: number;
  /** 2D: ADC per MeV (100), noise sigma (2.5 ADC), threshold window [10, 300]. */
  adcPerMeV?: number;
  noiseAdc?: number;
  window?: [number, number];
}

export type ResolvedSimConfig = Required<SimConfig>;

export function resolveSimConfig(c: SimConfig): ResolvedSimConfig {
  if (c.dim !== 2 && c.dim !== 3) throw new InvalidInputError(`simulation dim ${c.dim}: use 2 or 3`);
  const r: ResolvedSimConfig = {
    dim: c.dim, size: c.size ?? 512, voxelMm: c.voxelMm ?? 3, cosmics: c.cosmics ?? (c.dim === 2 ? [5, 10] : [0, 0]),
    lowEnergyFraction: c.lowEnergyFraction ?? 0.15, plane: c.plane ?? "Y", imageSize: c.imageSize ?? [1008, 3456],
    smearing: c.smearing ?? 0.5, threshold: c.threshold ?? 0.01, adcPerMeV: c.adcPerMeV ?? 100, noiseAdc: c.noiseAdc ?? 2.5,
    window: c.window ?? [10, 300],
  };
  if (!Number.isInteger(r.size) || r.size < 16 || r.size % 16 !== 0) throw new InvalidInputError(`simulation size ${r.size}: a multiple of 16 (>= 16) is needed by the 5-level U-ResNet`);
  if (!["U", "V", "Y"].includes(r.plane)) throw new InvalidInputError(`plane ${r.plane}: use U, V or Y`);
  if (r.cosmics[0] < 0 || r.cosmics[1] < r.cosmics[0]) throw new InvalidInputError(`cosmics range [${r.cosmics}] is not a range`);
  return r;
}

/** MicroBooNE's TPC, cm: drift x, height y (centred), beam z. */
const TPC_LO: Vec3 = [0, -116.5, 0];
const TPC_HI: Vec3 = [256.35, 116.5, 1036.8];

/** Event `index` of the stream `seed`: the same bits every time, whatever else was generated. */
export function simulateEvent(config: SimConfig, seed: number, index: number): LabelledEvent {
  const c = resolveSimConfig(config);
  const rnd = new Random(seed, index);
  const deposits = new Deposits();
  let lo: Vec3, hi: Vec3;
  if (c.dim === 3) {
    const L = (c.size * c.voxelMm) / 10;
    lo = [0, 0, 0]; hi = [L, L, L];
  } else {
    lo = TPC_LO; hi = TPC_HI;
  }
  const world: World = { inside: (p) => p[0] >= lo[0] && p[0] < hi[0] && p[1] >= lo[1] && p[1] < hi[1] && p[2] >= lo[2] && p[2] < hi[2] };
  const tr = new Transport(rnd, world, deposits);
  // The vertex: uniform in the volume, 10% away from its faces.
  const vertex: Vec3 = [0, 1, 2].map((a) => lo[a] + (hi[a] - lo[a]) * rnd.range(0.1, 0.9)) as Vec3;
  const lowEnergy = rnd.uniform() < c.lowEnergyFraction;
  for (const p of particleBomb(rnd, lowEnergy)) tr.run(p.pdg, vertex, p.dir, p.T, "primary");
  const nCosmics = rnd.int(c.cosmics[0], c.cosmics[1]);
  for (let i = 0; i < nCosmics; i++) {
    const m = cosmicMuon(rnd, lo, hi);
    tr.run(m.pdg, m.start, m.dir, m.T, "cosmic");
  }
  const meta: Record<string, unknown> = { generator: "sparsessnet particle bomb", seed, index, config: c, vertexCm: vertex, lowEnergy, depositedMeV: deposits.total() };
  if (c.dim === 3) {
    const v = voxelize(deposits, c.size, c.voxelMm / 10, c.smearing, c.threshold);
    const vcm = c.voxelMm / 10;
    return {
      index, labels: v.labels, instances: v.instances, trackShowerPurity: v.trackShowerPurity, classPurity: v.classPurity,
      particles: tr.particles.map((p) => ({ ...p, start: p.start.map((x) => x / vcm) })),
      tensor: { dim: 3, spatialSize: [c.size, c.size, c.size], channels: 1, coords: v.coords, features: v.energy },
      meta: { ...meta, vertex: vertex.map((x) => x / vcm), energyInsideMeV: v.energyInside },
    };
  }
  const [rows, cols] = c.imageSize;
  const img = wireImage(deposits, rnd, {
    plane: c.plane, rows, cols, adcPerMeV: c.adcPerMeV, noiseAdc: c.noiseAdc, threshold: c.window[0], clip: c.window[1],
    zOffsetCm: c.plane === "Y" ? 0 : 101,
  });
  return {
    index, labels: img.labels, instances: img.instances, trackShowerPurity: img.trackShowerPurity, classPurity: img.classPurity, particles: tr.particles,
    tensor: { dim: 2, spatialSize: [rows, cols], channels: 1, coords: img.coords, features: img.adc },
    meta: { ...meta, plane: c.plane, noiseOnlyPixels: img.noiseOnly },
  };
}

export function* simulateEvents(config: SimConfig, seed: number, count: number, firstIndex = 0): Generator<LabelledEvent> {
  for (let i = 0; i < count; i++) yield simulateEvent(config, seed, firstIndex + i);
}
