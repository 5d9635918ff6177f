// Entry of the portable bundle (npm run bundle -> dist/bundle/sparsessnet.mjs): the CLI with the
// wasm embedded, runnable with only `node` (>= 18). Node 20 runs relaxed SIMD only behind a V8
// flag: --fast re-runs the bundle with it, as bin/sparsessnet.js does.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { main } from "./main.js";

const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";
const relaxedProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...[0, 0, 0].flatMap(() => [253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 253, 133, 2, 11]);
const args = process.argv.slice(2);
if (args.includes("--fast") && !WebAssembly.validate(relaxedProbe) && !process.execArgv.includes(RELAXED_FLAG)) {
  const r = spawnSync(process.execPath, [...process.execArgv, RELAXED_FLAG, fileURLToPath(import.meta.url), ...args], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}
main(args).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => { console.error(`sparsessnet: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; },
);
