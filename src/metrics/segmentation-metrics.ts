// Segmentation metrics, per event and over a set, as SparseSSNet's papers report them:
// - non-zero accuracy: fraction of labelled (non-empty) sites whose predicted class is right;
// - class-wise accuracy: that fraction within each true class (NaN when the class is absent);
// - confusion (5x5) and track/shower (2x2) matrices, each row a true class, as fractions of it;
// - ICPF, MicroBooNE's incorrectly-classified-pixel fraction, per event (1 - non-zero accuracy),
//   summarised over a set by its mean and median.
// Sites labelled IGNORE_LABEL are left out everywhere.

import { CLASS_NAMES, N_CLASSES, trackShowerOf } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";

export { trackShowerOf };

export interface EventMetrics {
  sites: number;
  correct: number;
  nonzeroAccuracy: number;
  trackShowerAccuracy: number;
  icpf: number;
  /** counts[true][predicted] */
  counts: number[][];
}

export interface SetMetrics {
  events: number;
  sites: number;
  nonzeroAccuracy: number;
  trackShowerAccuracy: number;
  classNames: readonly string[];
  classAccuracy: number[];
  /** confusion[true][predicted], fractions of each true class. */
  confusion: number[][];
  /** [[track->track, track->shower], [shower->track, shower->shower]], fractions of each true group. */
  trackShowerConfusion: number[][];
  icpf: { mean: number; median: number };
  /** Site counts per true class. */
  classSites: number[];
  /** Per true class, the particles (distinct instance ids of an event) with a site of that class,
   *  summed over the events; only when every event came with its instance ids. A class-wise
   *  accuracy over a handful of particles says little, however many sites they have. */
  classParticles?: number[];
}

export function eventMetrics(truth: Uint8Array, predicted: Uint8Array): EventMetrics {
  if (truth.length !== predicted.length) {
    throw new InvalidInputError(`${predicted.length} predicted labels for ${truth.length} true labels`);
  }
  const counts = Array.from({ length: N_CLASSES }, () => new Array<number>(N_CLASSES).fill(0));
  let sites = 0, correct = 0, tsCorrect = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i], p = predicted[i];
    if (t >= N_CLASSES) continue;
    if (p >= N_CLASSES) throw new InvalidInputError(`predicted label ${p} at row ${i} is not a class`);
    sites++;
    counts[t][p]++;
    if (t === p) correct++;
    if (trackShowerOf(t) === trackShowerOf(p)) tsCorrect++;
  }
  const acc = sites ? correct / sites : NaN;
  return { sites, correct, nonzeroAccuracy: acc, trackShowerAccuracy: sites ? tsCorrect / sites : NaN, icpf: sites ? 1 - acc : NaN, counts };
}

/** Accumulates event metrics into set metrics (sites pooled over the set, ICPF per event). */
export class MetricsAccumulator {
  private counts = Array.from({ length: N_CLASSES }, () => new Array<number>(N_CLASSES).fill(0));
  private icpfs: number[] = [];
  private events = 0;
  private particles: number[] | undefined = new Array<number>(N_CLASSES).fill(0);

  /** `instances`: the particle id of each row (-1 unknown), to count the particles per class. */
  add(truth: Uint8Array, predicted: Uint8Array, instances?: Int32Array): EventMetrics {
    const m = eventMetrics(truth, predicted);
    this.events++;
    if (!instances) this.particles = undefined;
    else if (this.particles) {
      if (instances.length !== truth.length) throw new InvalidInputError(`${instances.length} instance ids for ${truth.length} true labels`);
      const seen = Array.from({ length: N_CLASSES }, () => new Set<number>());
      for (let i = 0; i < truth.length; i++) if (truth[i] < N_CLASSES && instances[i] >= 0) seen[truth[i]].add(instances[i]);
      seen.forEach((ids, t) => { this.particles![t] += ids.size; });
    }
    for (let t = 0; t < N_CLASSES; t++) for (let p = 0; p < N_CLASSES; p++) this.counts[t][p] += m.counts[t][p];
    if (m.sites) this.icpfs.push(m.icpf);
    return m;
  }

  result(): SetMetrics {
    const c = this.counts;
    const classSites = c.map((row) => row.reduce((a, b) => a + b, 0));
    const sites = classSites.reduce((a, b) => a + b, 0);
    let correct = 0, tsCorrect = 0;
    const ts = [[0, 0], [0, 0]];
    for (let t = 0; t < N_CLASSES; t++) for (let p = 0; p < N_CLASSES; p++) {
      if (t === p) correct += c[t][p];
      ts[trackShowerOf(t)][trackShowerOf(p)] += c[t][p];
      if (trackShowerOf(t) === trackShowerOf(p)) tsCorrect += c[t][p];
    }
    const frac = (row: number[]) => { const s = row.reduce((a, b) => a + b, 0); return row.map((v) => (s ? v / s : NaN)); };
    const sorted = [...this.icpfs].sort((a, b) => a - b);
    const median = sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    return {
      events: this.events,
      sites,
      nonzeroAccuracy: sites ? correct / sites : NaN,
      trackShowerAccuracy: sites ? tsCorrect / sites : NaN,
      classNames: CLASS_NAMES,
      classAccuracy: c.map((row, t) => (classSites[t] ? row[t] / classSites[t] : NaN)),
      confusion: c.map(frac),
      trackShowerConfusion: ts.map(frac),
      icpf: { mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN, median },
      classSites,
      ...(this.particles && this.events ? { classParticles: this.particles.slice() } : {}),
    };
  }
}

/** A readable multi-line summary (percentages). */
export function formatMetrics(m: SetMetrics): string {
  const pct = (v: number) => (Number.isNaN(v) ? "   -  " : `${(100 * v).toFixed(2).padStart(6)}`);
  const lines = [
    `events ${m.events}, sites ${m.sites}`,
    `non-zero accuracy ${pct(m.nonzeroAccuracy)} %   track/shower ${pct(m.trackShowerAccuracy)} %   ICPF mean ${pct(m.icpf.mean)} % median ${pct(m.icpf.median)} %`,
    `class accuracy: ${m.classNames.map((n, i) => `${n} ${pct(m.classAccuracy[i]).trim()} %`).join(", ")}`,
    `confusion (% of each true class; rows true, columns predicted):`,
    `           ${m.classNames.map((n) => n.padStart(7)).join("")}      sites${m.classParticles ? "  particles" : ""}`,
    ...m.confusion.map((row, t) => `  ${m.classNames[t].padEnd(8)} ${row.map((v) => ` ${pct(v)}`).join("")}  ${String(m.classSites[t]).padStart(9)}` +
      (m.classParticles ? String(m.classParticles[t]).padStart(11) : "")),
    `track/shower: track->track ${pct(m.trackShowerConfusion[0][0])} %, shower->shower ${pct(m.trackShowerConfusion[1][1])} %`,
  ];
  return lines.join("\n");
}
