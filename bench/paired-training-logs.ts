// Compares two training runs that saw the same batches (src/metrics/paired-training-logs.ts):
//   node dist/bench/paired-training-logs.js TREATMENT.log CONTROL.log [--from 500] [--threshold 0.003]
// prints treatment minus control loss and accuracy from iteration --from on and the card's verdict on
// whether the change binds (exit 0 whether or not it binds; 2 on bad arguments or logs that cannot be paired).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { binds, pairedDifference, parseTrainingLog } from "../src/metrics/paired-training-logs.js";
import { formatPoints } from "../src/metrics/segmentation-metrics.js";

const USAGE = "usage: node dist/bench/paired-training-logs.js TREATMENT.log CONTROL.log [--from 500] [--threshold 0.003]";
function parsed() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: { from: { type: "string", default: "500" }, threshold: { type: "string", default: "0.003" } },
    });
  } catch (e) {
    console.error(`paired-training-logs: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
}
const { values, positionals } = parsed();
if (positionals.length !== 2) {
  console.error(USAGE);
  process.exit(2);
}
const [treatmentFile, controlFile] = positionals;
const from = Number(values.from);
const threshold = Number(values.threshold);
if (!Number.isInteger(from) || from < 0 || !(threshold >= 0)) {
  console.error(`--from must be a whole number >= 0 and --threshold a number >= 0 (got ${values.from}, ${values.threshold})`);
  process.exit(2);
}
// A log that is missing, or that shares fewer than 3 points with the other, is named without a stack.
function compare() {
  try {
    return pairedDifference(parseTrainingLog(readFileSync(treatmentFile, "utf8")), parseTrainingLog(readFileSync(controlFile, "utf8")), from);
  } catch (e) {
    console.error(`paired-training-logs: ${treatmentFile} against ${controlFile}: ${(e as Error).message}`);
    process.exit(2);
  }
}
const d = compare();
const f = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(4)}`;
// Accuracy differences in percentage points, as evaluate prints them (no error: no ±).
const pts = (difference: number, standardError = NaN) => formatPoints({ difference, standardError });
console.log(`${treatmentFile} minus ${controlFile}: ${d.points} log points, iterations ${d.firstIteration}-${d.lastIteration}`);
console.log(`loss      mean ${f(d.loss.mean)} ± ${d.loss.standardError.toFixed(4)}   first third ${f(d.lossFirstThird)}   last third ${f(d.lossLastThird)}`);
console.log(`accuracy  mean ${pts(d.accuracy.mean, d.accuracy.standardError)} points   last third ${pts(d.accuracyLastThird)} points`);
const verdict = binds(d, threshold);
console.log(verdict.binds ? `binds (threshold ${threshold})` : `does not bind: ${verdict.reasons.join("; ")}`);
