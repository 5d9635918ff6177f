import { engineForBackend } from "./engine-flags.js";
import { runConformanceCase, UnsupportedCaseError, type CaseReport } from "../node/conformance.js";
import { parse, UsageError } from "./args.js";

const HELP = `usage: sparsessnet verify <case-dir>... [--backend auto|wasm|webgpu] [--json]

Runs each SparseConvNet conformance case folder (manifest.json, weights.safetensors,
event.safetensors, expected.safetensors), prints the max abs difference of every expected
tensor and exits 1 when any exceeds 1e-4 x max(1, max |expected|).
  --backend B   wasm, webgpu (in Node: the optional npm package webgpu; SwiftShader when no GPU driver)
                or auto (default: WebGPU on a real GPU, else wasm). On WebGPU each case also prints
                whether the outputs are bit-identical to the wasm backend's.
  --json        print the reports as JSON`;

export async function verify(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: "boolean" }, backend: { type: "string" } }, true);
  if (values.help) { console.log(HELP); return 0; }
  if (!positionals.length) throw new UsageError("give at least one case folder");
  const engine = await engineForBackend(values.backend);
  if (!values.json) console.log(`backend: ${engine.backend}${engine.adapter ? ` (${engine.adapter.description})` : ""}${engine.note ? `; ${engine.note}` : ""}`);
  const reports: CaseReport[] = [];
  let failed = 0;
  for (const dir of positionals) {
    try {
      const r = await runConformanceCase(engine, dir);
      reports.push(r);
      if (!r.ok) failed++;
      if (!values.json) {
        console.log(`${r.ok ? "PASS" : "FAIL"} ${r.case}: ${r.nRows} rows, ${r.nSites} sites, ${r.ms.toFixed(1)} ms, ${r.backend}`);
        if (r.bitIdenticalToWasm !== undefined) console.log(`  bit-identical to wasm: ${r.bitIdenticalToWasm ? "yes" : "no"}`);
        for (const c of r.checks) {
          console.log(`  ${c.ok ? "ok  " : "FAIL"} ${c.name.padEnd(22)} max|diff| ${c.maxAbsDiff.toExponential(3)}  tolerance ${c.tolerance.toExponential(3)}${c.note ? `  (${c.note})` : ""}`);
        }
      }
    } catch (e) {
      failed++;
      const msg = `${e instanceof UnsupportedCaseError ? "UNSUPPORTED" : "ERROR"} ${dir}: ${(e as Error).message}`;
      if (values.json) reports.push({ case: dir, dir, nRows: 0, nSites: 0, checks: [], ok: false, ms: 0, backend: engine.backend, error: msg } as CaseReport);
      else console.log(msg);
    }
  }
  if (values.json) console.log(JSON.stringify(reports, null, 1));
  engine.dispose();
  return failed ? 1 : 0;
}
