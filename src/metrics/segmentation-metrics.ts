// Segmentation metrics, per event and over a set, as SparseSSNet's papers report them:
// - non-zero accuracy: fraction of labelled (non-empty) sites whose predicted class is right;
// - class-wise accuracy: that fraction within each true class (NaN when the class is absent);
// - confusion (5x5) and track/shower (2x2) matrices, each row a true class, as fractions of it;
// - ICPF, MicroBooNE's incorrectly-classified-pixel fraction, per event (1 - non-zero accuracy),
//   summarised over a set by its mean and median;
// - standard errors of the pooled accuracies, by the delete-one jackknife over events: the sites of
//   one event are not independent draws (one misread shower moves hundreds of them), the events are.
// Sites labelled IGNORE_LABEL are left out everywhere.

import { CLASS_NAMES, N_CLASSES, trackShowerOf } from "../data/labelled-event.js";
import { InvalidInputError } from "../errors.js";

export { trackShowerOf };

export interface EventMetrics {
  sites: number;
  correct: number;
  /** Sites whose predicted class is in the true class's group (track or shower). */
  trackShowerCorrect: number;
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
  /** Standard errors of the accuracies above (delete-one jackknife over events; NaN with fewer than
   *  two events, or for a class found in fewer than two). */
  standardError: { nonzeroAccuracy: number; trackShowerAccuracy: number; classAccuracy: number[] };
  /** Per true class, the particles (distinct instance ids of an event) with a site of that class,
   *  summed over the events; only when every event came with its instance ids. A class-wise
   *  accuracy over a handful of particles says little, however many sites they have. */
  classParticles?: number[];
}

/** The pooled accuracies kept per event, in order: non-zero, track/shower, then each class. */
const RATIOS = Array.from({ length: 2 + N_CLASSES }, (_, r) => r);

export interface Difference { difference: number; standardError: number }
export interface AccuracyDifference { nonzeroAccuracy: Difference; trackShowerAccuracy: Difference; classAccuracy: Difference[] }

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
  return { sites, correct, trackShowerCorrect: tsCorrect, nonzeroAccuracy: acc, trackShowerAccuracy: sites ? tsCorrect / sites : NaN, icpf: sites ? 1 - acc : NaN, counts };
}

/** Accumulates event metrics into set metrics (sites pooled over the set, ICPF per event). */
export class MetricsAccumulator {
  private counts = Array.from({ length: N_CLASSES }, () => new Array<number>(N_CLASSES).fill(0));
  private icpfs: number[] = [];
  private events = 0;
  /** Per event, the (right, of) pairs of every pooled accuracy: non-zero, track/shower, then each class. */
  private perEvent: { right: number[]; of: number[] }[] = [];
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
    this.perEvent.push({
      right: [m.correct, m.trackShowerCorrect, ...m.counts.map((row, t) => row[t])],
      of: [m.sites, m.sites, ...m.counts.map((row) => row.reduce((a, b) => a + b, 0))],
    });
    return m;
  }

  /** Non-zero accuracy so far, without the rest of result() (whose standard errors take a pass over
   *  every event: called per event, as a progress line does, that would grow with the square). */
  nonzeroAccuracy(): number {
    let right = 0, sites = 0;
    this.counts.forEach((row, t) => row.forEach((v, p) => { sites += v; if (t === p) right += v; }));
    return sites ? right / sites : NaN;
  }

  result(): SetMetrics {
    const c = this.counts;
    const classSites = c.map((row) => row.reduce((a, b) => a + b, 0));
    const sites = classSites.reduce((a, b) => a + b, 0);
    let tsCorrect = 0;
    const ts = [[0, 0], [0, 0]];
    for (let t = 0; t < N_CLASSES; t++) for (let p = 0; p < N_CLASSES; p++) {
      ts[trackShowerOf(t)][trackShowerOf(p)] += c[t][p];
      if (trackShowerOf(t) === trackShowerOf(p)) tsCorrect += c[t][p];
    }
    const frac = (row: number[]) => { const s = row.reduce((a, b) => a + b, 0); return row.map((v) => (s ? v / s : NaN)); };
    const sorted = [...this.icpfs].sort((a, b) => a - b);
    const median = sorted.length === 0 ? NaN : sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    return {
      events: this.events,
      sites,
      nonzeroAccuracy: this.nonzeroAccuracy(),
      trackShowerAccuracy: sites ? tsCorrect / sites : NaN,
      classNames: CLASS_NAMES,
      classAccuracy: c.map((row, t) => (classSites[t] ? row[t] / classSites[t] : NaN)),
      confusion: c.map(frac),
      trackShowerConfusion: ts.map(frac),
      icpf: { mean: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : NaN, median },
      classSites,
      standardError: this.standardErrors(),
      ...(this.particles && this.events ? { classParticles: this.particles.slice() } : {}),
    };
  }

  /** Delete-one jackknife of each pooled ratio (sum of right / sum of sites) over the events. */
  private standardErrors(): SetMetrics["standardError"] {
    const se = RATIOS.map((r) => this.jackknife(r, (right, of) => right / of));
    return { nonzeroAccuracy: se[0], trackShowerAccuracy: se[1], classAccuracy: se.slice(2) };
  }

  /** This set's accuracies minus those of `baseline` on the same events (another model, or the same
   *  model otherwise run), with the standard error of each difference: the jackknife leaves out the
   *  same event from both, so what the two share (hard events, easy events) cancels, and a
   *  difference can be resolved that is much smaller than either accuracy's own error. */
  differenceFrom(baseline: MetricsAccumulator): AccuracyDifference {
    const n = this.perEvent.length;
    if (baseline.perEvent.length !== n) throw new InvalidInputError(`${n} events against a baseline of ${baseline.perEvent.length}`);
    this.perEvent.forEach((e, i) => {
      const b = baseline.perEvent[i];
      if (e.of.some((v, r) => v !== b.of[r])) throw new InvalidInputError(`event ${i}: ${e.of[0]} labelled sites here, ${b.of[0]} in the baseline, or other counts per class: not the same events`);
    });
    const totals = RATIOS.map((r) => baseline.perEvent.reduce((a, e) => a + e.right[r], 0));
    const pairs = RATIOS.map((r) => {
      const ours = this.perEvent.reduce((a, e) => a + e.right[r], 0), of = this.perEvent.reduce((a, e) => a + e.of[r], 0);
      const difference = of ? (ours - totals[r]) / of : NaN;
      // Leave out event i from both: (ours - ours_i - (base - base_i)) / (of - of_i).
      const standardError = this.jackknife(r, (right, rest, i) => (right - (totals[r] - baseline.perEvent[i].right[r])) / rest);
      return { difference, standardError };
    });
    return { nonzeroAccuracy: pairs[0], trackShowerAccuracy: pairs[1], classAccuracy: pairs.slice(2) };
  }

  /** Delete-one jackknife standard error over the events of f(right, of, left-out event) for ratio r
   *  (its sums without one event); NaN with fewer than two events, or fewer than two with sites. */
  private jackknife(r: number, f: (right: number, of: number, left: number) => number): number {
    const n = this.perEvent.length;
    let right = 0, of = 0, withSites = 0;
    for (const e of this.perEvent) { right += e.right[r]; of += e.of[r]; if (e.of[r]) withSites++; }
    if (n < 2 || withSites < 2) return NaN;
    const loo = this.perEvent.map((e, i) => f(right - e.right[r], of - e.of[r], i));
    const mean = loo.reduce((a, b) => a + b, 0) / n;
    return Math.sqrt(((n - 1) / n) * loo.reduce((a, v) => a + (v - mean) ** 2, 0));
  }
}

/** A readable multi-line summary (percentages). */
export function formatMetrics(m: SetMetrics): string {
  const pct = (v: number) => (Number.isNaN(v) ? "   -  " : `${(100 * v).toFixed(2).padStart(6)}`);
  const pm = (v: number, se: number) => `${pct(v).trim()}${Number.isNaN(se) ? "" : ` ± ${(100 * se).toFixed(2)}`} %`;
  const { standardError: se } = m;
  const lines = [
    `events ${m.events}, sites ${m.sites}`,
    `non-zero accuracy ${pm(m.nonzeroAccuracy, se.nonzeroAccuracy)}   track/shower ${pm(m.trackShowerAccuracy, se.trackShowerAccuracy)}   ICPF mean ${pct(m.icpf.mean)} % median ${pct(m.icpf.median)} %`,
    `class accuracy: ${m.classNames.map((n, i) => `${n} ${pm(m.classAccuracy[i], se.classAccuracy[i])}`).join(", ")}`,
    `confusion (% of each true class; rows true, columns predicted):`,
    `           ${m.classNames.map((n) => n.padStart(7)).join("")}      sites${m.classParticles ? "  particles" : ""}`,
    ...m.confusion.map((row, t) => `  ${m.classNames[t].padEnd(8)} ${row.map((v) => ` ${pct(v)}`).join("")}  ${String(m.classSites[t]).padStart(9)}` +
      (m.classParticles ? String(m.classParticles[t]).padStart(11) : "")),
    `track/shower: track->track ${pct(m.trackShowerConfusion[0][0])} %, shower->shower ${pct(m.trackShowerConfusion[1][1])} %`,
    `(± one standard error, from the spread between events: delete-one jackknife)`,
  ];
  return lines.join("\n");
}

/** A difference in percentage points, ± its standard error ("-" where there is none). */
export const formatPoints = ({ difference, standardError }: Difference) => Number.isNaN(difference) ? "-" :
  `${difference >= 0 ? "+" : ""}${(100 * difference).toFixed(2)}${Number.isNaN(standardError) ? "" : ` ± ${(100 * standardError).toFixed(2)}`}`;

/** One line per accuracy: the difference in percentage points, ± its standard error. */
export function formatDifference(d: AccuracyDifference, classNames: readonly string[]): string {
  return [
    `model minus baseline, percentage points (± one standard error, paired by event):`,
    `non-zero accuracy ${formatPoints(d.nonzeroAccuracy)}   track/shower ${formatPoints(d.trackShowerAccuracy)}`,
    `class accuracy: ${classNames.map((n, i) => `${n} ${formatPoints(d.classAccuracy[i])}`).join(", ")}`,
  ].join("\n");
}

/** The same differences as one Markdown table row (non-zero, track/shower, then each class), the form
 *  of the model card's tables, so that they are pasted rather than copied by hand. */
export function differenceTableRow(label: string, d: AccuracyDifference): string {
  // The card typesets a negative difference with a minus sign; a missing one stays "-".
  const cell = (x: Difference) => formatPoints(x).replace(/^-(?=\d)/, "−");
  return `| ${label} | ${[d.nonzeroAccuracy, d.trackShowerAccuracy, ...d.classAccuracy].map(cell).join(" | ")} |`;
}
