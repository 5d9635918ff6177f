// npm run bundle: the portable CLI in dist/bundle/, a directory that runs with only `node`:
//   sparsessnet.mjs   the CLI, wasm kernels and h5wasm embedded
//   pool-worker.js, conv-thread.js, worker.js   worker-thread entries (found beside the bundle)
//   package.json                     marks the .js files as ES modules
//   models/, samples/                the shipped models and sample events
// Copy the directory anywhere (a grid node, a container) and run `node sparsessnet.mjs <verb>`.
import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync, rmSync, statSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const out = "dist/bundle";
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const common = {
  bundle: true, platform: "node", format: "esm", target: "node18", logLevel: "warning",
  // CommonJS dependencies call require() and read __dirname/__filename: give the ESM bundle those.
  banner: { js: "import { createRequire as __cr } from 'node:module'; import { fileURLToPath as __fu } from 'node:url'; import { dirname as __dn } from 'node:path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);" },
  // Native packages stay outside and optional: the WebGPU backend (the bundle runs on wasm without
  // it) and piscina's thread-priority helper (piscina tolerates its absence).
  external: ["webgpu", "@napi-rs/nice"],
};
const t0 = Date.now();
await build({ ...common, entryPoints: { sparsessnet: "src/cli/bundle-entry.ts" }, outdir: out, outExtension: { ".js": ".mjs" } });
// piscina starts its own worker bootstrap (worker.js beside its code, here beside the bundle).
await build({ ...common, entryPoints: { "pool-worker": "src/node/pool-worker.ts", "conv-thread": "src/node/conv-thread.ts", worker: "node_modules/piscina/dist/worker.js" }, outdir: out });
// The .js files are ES modules.
writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module", private: true }) + "\n");
for (const d of ["models", "samples"]) if (existsSync(d)) cpSync(d, join(out, d), { recursive: true, filter: (p) => !p.includes("/training") });
const size = readdirSync(out).reduce((s, f) => s + (statSync(join(out, f)).isFile() ? statSync(join(out, f)).size : 0), 0);
console.log(`dist/bundle: ${(size / 2 ** 20).toFixed(1)} MiB of code in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
