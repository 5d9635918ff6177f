import { Engine } from "../engine.js";
import { runConformanceCase, UnsupportedCaseError, type CaseReport } from "../node/conformance.js";
import { parse, UsageError } from "./args.js";

const HELP = `usage: sparsessnet verify <case-dir>... [--json]

Runs each SparseConvNet conformance case folder (manifest.json, weights.safetensors,
event.safetensors, expected.safetensors), prints the max abs difference of every expected
tensor and exits 1 when any exceeds 1e-4 x max(1, max |expected|).
  --json   print the reports as JSON`;

export async function verify(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: "boolean" } }, true);
  if (values.help) { console.log(HELP); return 0; }
  if (!positionals.length) throw new UsageError("give at least one case folder");
  const engine = await Engine.create();
  const reports: CaseReport[] = [];
  let failed = 0;
  for (const dir of positionals) {
    try {
      const r = runConformanceCase(engine, dir);
      reports.push(r);
      if (!r.ok) failed++;
      if (!values.json) {
        console.log(`${r.ok ? "PASS" : "FAIL"} ${r.case}: ${r.nRows} rows, ${r.nSites} sites, ${r.ms.toFixed(1)} ms`);
        for (const c of r.checks) {
          console.log(`  ${c.ok ? "ok  " : "FAIL"} ${c.name.padEnd(22)} max|diff| ${c.maxAbsDiff.toExponential(3)}  tolerance ${c.tolerance.toExponential(3)}${c.note ? `  (${c.note})` : ""}`);
        }
      }
    } catch (e) {
      failed++;
      const msg = `${e instanceof UnsupportedCaseError ? "UNSUPPORTED" : "ERROR"} ${dir}: ${(e as Error).message}`;
      if (values.json) reports.push({ case: dir, dir, nRows: 0, nSites: 0, checks: [], ok: false, ms: 0, error: msg } as CaseReport);
      else console.log(msg);
    }
  }
  if (values.json) console.log(JSON.stringify(reports, null, 1));
  return failed ? 1 : 0;
}
