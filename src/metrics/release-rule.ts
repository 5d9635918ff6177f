// The rule by which a candidate replaces a shipped model (models/README.md, "phase 21's criteria"), as
// code, so that anyone can apply it to `evaluate --baseline --json` results and get the card's verdicts.
// On events the candidate was not chosen on, paired with the shipped model by event:
// - none of non-zero, track/shower, delta and Michel accuracy is lower beyond two standard errors, and
// - non-zero and track/shower accuracy are each higher beyond two standard errors.
// A candidate ships only if it passes on a selection stream and on a confirmation stream.
// Variant (`trackShowerMustRise: false`, session 46): track/shower is only guarded, not required to rise. Since phase 33
// default-2d's track/shower has stood at 98.1-98.2% while non-zero accuracy rose; the card says why. A session
// that uses the variant writes so in its rules before its runs.
import { formatPoints, type AccuracyDifference, type Difference } from "./segmentation-metrics.js";

/** Classes (by name) whose accuracy a candidate may not lower: the rare ones the targets name. */
export const GUARDED_CLASSES = ["delta", "Michel"] as const;

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

/** Non-zero accuracy must always rise; track/shower must too under the card's rule, and is only guarded under the
 *  variant (`trackShowerMustRise: false`). */
export function releaseVerdict(d: AccuracyDifference, classNames: readonly string[], { trackShowerMustRise = true } = {}): RuleVerdict {
  const reasons: string[] = [];
  const nonzero: [string, Difference] = ["non-zero", d.nonzeroAccuracy], trackShower: [string, Difference] = ["track/shower", d.trackShowerAccuracy];
  const required = trackShowerMustRise ? [nonzero, trackShower] : [nonzero];
  const guarded = [nonzero, trackShower, ...GUARDED_CLASSES.map((name): [string, Difference] => {
    const k = classNames.indexOf(name);
    if (k < 0) throw new Error(`no class named ${name} among ${classNames.join(", ")}`);
    return [name, d.classAccuracy[k]];
  })];
  for (const [name, diff] of guarded) if (lower(diff)) reasons.push(`${name} lower beyond ${STANDARD_ERRORS} standard errors (${formatPoints(diff)} points)`);
  for (const [name, diff] of required) if (!higher(diff)) reasons.push(`${name} not higher beyond ${STANDARD_ERRORS} standard errors (${formatPoints(diff)} points)`);
  return { passes: reasons.length === 0, reasons };
}
