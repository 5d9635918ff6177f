#!/usr/bin/env node
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
const RELAXED_FLAG = "--experimental-wasm-relaxed-simd";
// (module (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))))
const relaxedProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 61, 1, 59, 0,
  ...[0, 0, 0].flatMap(() => [253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 253, 133, 2, 11]);

if (args.includes("--fast") && !WebAssembly.validate(relaxedProbe) && !process.execArgv.includes(RELAXED_FLAG)) {
  // Node 20 runs relaxed SIMD only behind a V8 flag: run again with it.
  const r = spawnSync(process.execPath, [...process.execArgv, RELAXED_FLAG, fileURLToPath(import.meta.url), ...args], { stdio: "inherit" });
  process.exit(r.status ?? 1);
}

const { main } = await import("../dist/src/cli/main.js");
main(args).then(
  (code) => { process.exitCode = code; },
  (err) => {
    console.error(`sparsessnet: ${err && err.message ? err.message : err}`);
    process.exitCode = 1;
  },
);
