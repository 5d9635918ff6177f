// Applies the card's release rule (src/metrics/release-rule.ts) to paired evaluations:
//   sparsessnet evaluate --model CANDIDATE --baseline SHIPPED --data <selection stream> --json > selection.json
//   sparsessnet evaluate --model CANDIDATE --baseline SHIPPED --data <confirmation stream> --json > confirmation.json
//   node dist/bench/release-rule.js [--must-rise non-zero] selection.json confirmation.json
// prints each file's differences and verdict; the candidate ships only if every file passes (exit 0,
// else 1). The JSON writes a missing standard error (a class absent from the events) as null.
// --must-rise non-zero: the variant in which track/shower need only not fall (src/metrics/release-rule.ts).
import { readFileSync } from "node:fs";
import { parse, UsageError } from "../src/cli/args.js";
import { releaseVerdict } from "../src/metrics/release-rule.js";
import type { AccuracyDifference, Difference } from "../src/metrics/segmentation-metrics.js";
import { differenceTableRow, formatDifference } from "../src/metrics/segmentation-metrics.js";

const USAGE = "usage: node dist/bench/release-rule.js [--must-rise non-zero] EVALUATION.json [...]  (each from evaluate --baseline B --json)";
/** Exit 1 means "does not ship", so a mistake in the command or its files exits 2, never 1. */
function refuse(message: string): never {
  console.error(`release-rule: ${message}`);
  process.exit(2);
}
let args: ReturnType<typeof parse>;
try {
  args = parse(process.argv.slice(2), { "must-rise": { type: "string" } }, true);
} catch (e) {
  refuse(`${(e as UsageError).message}\n${USAGE}`);
}
const { values, positionals: files } = args;
if (files.length === 0 || values.help) {
  console.error(USAGE);
  process.exit(values.help ? 0 : 2);
}
const mustRiseFlag = values["must-rise"] as string | undefined;
if (mustRiseFlag !== undefined && mustRiseFlag !== "non-zero" && mustRiseFlag !== "non-zero,track/shower") {
  refuse(`--must-rise ${mustRiseFlag}: non-zero (track/shower only guarded) or non-zero,track/shower (the default)`);
}
const trackShowerMustRise = mustRiseFlag !== "non-zero";
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
  const verdict = releaseVerdict(d, r.classNames, { trackShowerMustRise });
  all &&= verdict.passes;
  console.log(`${file}: ${r.model} against ${r.baseline.model} on ${r.data}, ${r.events} events`);
  console.log(formatDifference(d, r.classNames));
  console.log(verdict.passes ? "passes" : `fails: ${verdict.reasons.join("; ")}`);
  console.log(`card row (non-zero, track/shower, ${r.classNames.join(", ")}):\n${differenceTableRow(`${r.data}, ${r.events} events`, d)}`);
  console.log("");
}
const ruleName = trackShowerMustRise ? "" : " (variant: track/shower only guarded)";
console.log(all ? `ships: passes on every file${ruleName}` : `does not ship${ruleName}`);
process.exit(all ? 0 : 1);
