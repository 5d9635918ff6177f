// Applies the card's release rule (src/metrics/release-rule.ts) to paired evaluations:
//   sparsessnet evaluate --model CANDIDATE --baseline SHIPPED --data <selection stream> --json > selection.json
//   sparsessnet evaluate --model CANDIDATE --baseline SHIPPED --data <confirmation stream> --json > confirmation.json
//   node dist/bench/release-rule.js [--must-rise NAMES] [--may-fall NAME=POINTS,...] selection.json confirmation.json
// prints each file's differences and verdict; the candidate ships only if every file passes (exit 0,
// else 1). The JSON writes a missing standard error (a class absent from the events) as null.
// Without options, the card's rule. Other terms (src/metrics/release-rule.ts), written in a session's rules first:
// --must-rise non-zero: session 46's variant, in which track/shower need only not fall;
// --must-rise Michel --may-fall non-zero=0.10: Michel must rise, non-zero may fall by less than 0.10 points;
// --must-rise track/shower,delta: session 53's terms, in which non-zero and Michel need only not fall.
import { readFileSync } from "node:fs";
import { parse, UsageError } from "../src/cli/args.js";
import { CARD_RULE, describeTerms, releaseVerdict, type ReleaseTerms, type RuleVerdict } from "../src/metrics/release-rule.js";
import type { AccuracyDifference, Difference } from "../src/metrics/segmentation-metrics.js";
import { differenceTableRow, formatDifference } from "../src/metrics/segmentation-metrics.js";

const USAGE = "usage: node dist/bench/release-rule.js [--must-rise NAMES] [--may-fall NAME=POINTS,...] EVALUATION.json [...]  (each from evaluate --baseline B --json;\n" +
  "  names: non-zero, track/shower or a class; default --must-rise non-zero,track/shower)";
/** Exit 1 means "does not ship", so a mistake in the command or its files exits 2, never 1. */
function refuse(message: string): never {
  console.error(`release-rule: ${message}`);
  process.exit(2);
}
let args: ReturnType<typeof parse>;
try {
  args = parse(process.argv.slice(2), { "must-rise": { type: "string" }, "may-fall": { type: "string" } }, true);
} catch (e) {
  refuse(`${(e as UsageError).message}\n${USAGE}`);
}
const { values, positionals: files } = args;
if (files.length === 0 || values.help) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 2);
}
const mustRiseFlag = values["must-rise"] as string | undefined;
const mayFallFlag = values["may-fall"] as string | undefined;
const mayFall: Record<string, number> = {};
for (const term of mayFallFlag?.split(",") ?? []) {
  const m = /^([^=]+)=([0-9]*\.?[0-9]+)$/.exec(term.trim());
  if (!m) refuse(`--may-fall ${term}: expected NAME=POINTS, e.g. non-zero=0.10`);
  mayFall[m[1]] = Number(m[2]) / 100;
}
const terms: ReleaseTerms = { mustRise: mustRiseFlag?.split(",").map((n) => n.trim()) ?? CARD_RULE.mustRise, mayFall };
const isCardRule = mayFallFlag === undefined && terms.mustRise.join(",") === CARD_RULE.mustRise.join(",");
const asNumber = (v: number | null) => (v === null ? NaN : v);
const readDifference = (d: { difference: number | null; standardError: number | null }): Difference =>
  ({ difference: asNumber(d.difference), standardError: asNumber(d.standardError) });

let all = true;
for (const file of files) {
  let r;
  try {
    r = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    refuse(`${file}: ${(e as Error).message}`);
  }
  if (!r.difference || !r.baseline) refuse(`${file}: no baseline in it; run evaluate with --baseline B --json`);
  const d: AccuracyDifference = {
    nonzeroAccuracy: readDifference(r.difference.nonzeroAccuracy),
    trackShowerAccuracy: readDifference(r.difference.trackShowerAccuracy),
    classAccuracy: r.difference.classAccuracy.map(readDifference),
  };
  // Terms are checked against the file's class names: a name that is no quantity there is a mistake, exit 2.
  let verdict: RuleVerdict;
  try {
    verdict = releaseVerdict(d, r.classNames, terms);
  } catch (e) {
    refuse(`${file}: ${(e as Error).message}`);
  }
  all &&= verdict.passes;
  console.log(`${file}: ${r.model} against ${r.baseline.model} on ${r.data}, ${r.events} events`);
  console.log(formatDifference(d, r.classNames));
  console.log(verdict.passes ? "passes" : `fails: ${verdict.reasons.join("; ")}`);
  console.log(`card row (non-zero, track/shower, ${r.classNames.join(", ")}):\n${differenceTableRow(`${r.data}, ${r.events} events`, d)}`);
  console.log("");
}
const ruleName = isCardRule ? "" : ` (terms: ${describeTerms(terms)})`;
console.log(all ? `ships: passes on every file${ruleName}` : `does not ship${ruleName}`);
process.exit(all ? 0 : 1);
