// The rule by which a candidate replaces a shipped model (models/README.md, "phase 21's criteria"), as
// code, so that anyone can apply it to `evaluate --baseline --json` results and get the card's verdicts.
// On events the candidate was not chosen on, paired with the shipped model by event:
// - none of non-zero, track/shower, delta and Michel accuracy is lower beyond two standard errors, and
// - non-zero and track/shower accuracy are each higher beyond two standard errors.
// A candidate ships only if it passes on a selection stream and on a confirmation stream.
// Other terms (`ReleaseTerms`) are for a trade the card's rule cannot express, and a session that uses them writes
// them in its rules before its runs:
// - session 46's variant asks only non-zero to rise (track/shower stays guarded): since phase 33 default-2d's
//   track/shower has stood at 98.1-98.2% while non-zero accuracy rose;
// - session 48 asks Michel to rise and lets non-zero fall by a stated bound (`mayFall`): a calibration that gives a
//   rare class back at a small cost in pixels;
// - session 53 asks track/shower and delta to rise, while non-zero, like Michel, need only not fall: soups that
//   shared the same sites differently among the classes, non-zero level, while two of the targeted quantities rose.
import { formatPoints, type AccuracyDifference, type Difference } from "./segmentation-metrics.js";

/** Classes (by name) whose accuracy a candidate may not lower: the rare ones the targets name. */
export const GUARDED_CLASSES = ["delta", "Michel"] as const;

/** What a candidate must show. Names are "non-zero", "track/shower" or a class name. */
export interface ReleaseTerms {
  /** Higher beyond two standard errors. */
  mustRise: readonly string[];
  /** Allowed to fall, by less than this accuracy (a fraction: 0.001 is a tenth of a point) beyond two standard
   *  errors: difference − 2 SE > −bound. Replaces the guard "not lower beyond two" for that name. */
  mayFall: Readonly<Record<string, number>>;
}

/** The card's rule. */
export const CARD_RULE: ReleaseTerms = { mustRise: ["non-zero", "track/shower"], mayFall: {} };

export interface RuleVerdict {
  passes: boolean;
  /** Why it fails, one line per broken condition (empty when it passes). */
  reasons: string[];
}

const STANDARD_ERRORS = 2;

/** Lower beyond two standard errors. A difference without a standard error (a class absent from the
 *  events) cannot be shown lower, so it never blocks. */
const lower = (d: Difference) => d.difference < -STANDARD_ERRORS * d.standardError;
/** Higher beyond two standard errors; without a standard error a gain is not shown. */
const higher = (d: Difference) => d.difference > STANDARD_ERRORS * d.standardError;
/** Shown to have fallen by less than `bound`; without a standard error that is not shown. */
const fallShownBelow = (d: Difference, bound: number) => d.difference - STANDARD_ERRORS * d.standardError > -bound;

/** A bound (a fraction) in percentage points, as the reasons and the terms print it. */
const boundPoints = (bound: number) => `${(bound * 100).toFixed(2)} points`;

/** The names terms may use, for the classes of an evaluation. */
const termNames = (classNames: readonly string[]) => ["non-zero", "track/shower", ...classNames];

/** Refuses terms that name no quantity, a negative or non-finite bound, or a name that must both rise and may fall. */
function checkTerms(terms: ReleaseTerms, classNames: readonly string[]): void {
  const names = termNames(classNames);
  for (const name of [...terms.mustRise, ...Object.keys(terms.mayFall)]) {
    if (!names.includes(name)) throw new Error(`no quantity named ${name} (one of ${names.join(", ")})`);
  }
  for (const [name, bound] of Object.entries(terms.mayFall)) {
    if (!(Number.isFinite(bound) && bound >= 0)) throw new Error(`${name} may fall by ${bound}: expected a bound of 0 or more`);
    if (terms.mustRise.includes(name)) throw new Error(`${name} cannot both have to rise and be allowed to fall`);
  }
  if (terms.mustRise.length === 0) throw new Error("the terms ask nothing to rise");
}

/** Throws (naming what is wrong) for terms `checkTerms` refuses; otherwise the verdict. */
export function releaseVerdict(d: AccuracyDifference, classNames: readonly string[], terms: ReleaseTerms = CARD_RULE): RuleVerdict {
  checkTerms(terms, classNames);
  const names = termNames(classNames);
  const of = (name: string): Difference => {
    const k = names.indexOf(name);
    return k === 0 ? d.nonzeroAccuracy : k === 1 ? d.trackShowerAccuracy : d.classAccuracy[k - 2];
  };
  const reasons: string[] = [];
  for (const name of ["non-zero", "track/shower", ...GUARDED_CLASSES]) {
    const diff = of(name);
    if (!(name in terms.mayFall) && lower(diff)) reasons.push(`${name} lower beyond ${STANDARD_ERRORS} standard errors (${formatPoints(diff)} points)`);
  }
  for (const [name, bound] of Object.entries(terms.mayFall)) {
    const diff = of(name);
    if (!fallShownBelow(diff, bound)) {
      reasons.push(`${name} not shown to fall by less than ${boundPoints(bound)} beyond ${STANDARD_ERRORS} standard errors (${formatPoints(diff)} points)`);
    }
  }
  for (const name of terms.mustRise) {
    const diff = of(name);
    if (!higher(diff)) reasons.push(`${name} not higher beyond ${STANDARD_ERRORS} standard errors (${formatPoints(diff)} points)`);
  }
  return { passes: reasons.length === 0, reasons };
}

/** The terms in words, for the command's last line. */
export function describeTerms(terms: ReleaseTerms): string {
  const falls = Object.entries(terms.mayFall).map(([name, bound]) => `${name} may fall by less than ${boundPoints(bound)}`);
  return [`must rise: ${terms.mustRise.join(", ")}`, ...falls].join("; ");
}
