// A labelled event: what the simulator makes, what the HDF5/NumPy/safetensors readers return and
// what training, evaluation and the displays consume. Browser-safe (no Node APIs).

import type { SparseTensor } from "../tensor/sparse-tensor.js";

/** SparseSSNet's five classes, in label order. */
export const CLASS_NAMES = ["HIP", "MIP", "shower", "delta", "Michel"] as const;
export const HIP = 0, MIP = 1, SHOWER_CLASS = 2, DELTA = 3, MICHEL = 4;
export const N_CLASSES = 5;
/** Track = HIP + MIP (0, 1); shower = shower, delta, Michel (2, 3, 4). */
export const trackShowerOf = (c: number): 0 | 1 => (c <= MIP ? 0 : 1);
/** Label of a site that carries no class (ignored by losses and metrics). */
export const IGNORE_LABEL = 255;

/** One true particle of a simulated (or PILArNet-M) event. */
export interface TrueParticle {
  /** Instance id, as used in `LabelledEvent.instances`. */
  id: number;
  /** Id of the parent particle, -1 for a primary. */
  parent: number;
  /** PDG code (11 e-, -11 e+, 22 photon, 13 mu-, -13 mu+, 211/-211 pi, 2212 p). */
  pdg: number;
  /** Kinetic energy at creation, MeV. */
  kineticMeV: number;
  /** Start point in voxel/pixel units of the event's grid (3 numbers in 3D, 3D start also kept for 2D). */
  start: number[];
  /** Unit direction at creation. */
  direction: number[];
  /** How it came about: "primary", "cosmic", "michel", "delta", "shower", ... */
  process: string;
  /** 5-class label of its deposits. */
  label: number;
}

export interface LabelledEvent {
  /** Index of the event in its file or run. */
  index: number;
  /** The sites: one event (no batch column), features = deposited energy (MeV in 3D, ADC in 2D), 1 channel. */
  tensor: SparseTensor;
  /** 5-class label per row (0 HIP, 1 MIP, 2 shower, 3 delta, 4 Michel; IGNORE_LABEL = none). */
  labels?: Uint8Array;
  /** Particle (instance) id per row, -1 when unknown. */
  instances?: Int32Array;
  /** True particles, when known. */
  particles?: TrueParticle[];
  /** Free-form facts about the event (generator settings, vertex, plane, ...). */
  meta?: Record<string, unknown>;
  /** Per row, the share of the site's energy left by particles of the labelled particle's group,
   *  track (HIP, MIP) or shower (shower, delta, Michel): below 1 where a track and a shower
   *  overlap. The generator gives it (2D and 3D); files do not carry it. */
  trackShowerPurity?: Float32Array;
  /** Per row, the share of the site's energy left by particles of the labelled particle's class
   *  (of the five): below 1 where particles of different classes share the site. The generator
   *  gives it (2D and 3D); files do not carry it. */
  classPurity?: Float32Array;
}

/** Counts of each class among the labelled rows (ignored rows are not counted). */
export function classCounts(labels: Uint8Array): number[] {
  const counts = new Array<number>(N_CLASSES).fill(0);
  for (const l of labels) if (l < N_CLASSES) counts[l]++;
  return counts;
}
