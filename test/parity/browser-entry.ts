// Page entry of the browser parity test: runs the suite on wasm and on WebGPU (forced, so that the
// SwiftShader software adapter of headless Chromium is used) and reports the hashes.
import { Engine } from "../../src/index.js";
import { runParitySuite } from "./suite.js";

async function main() {
  const wasm = await runParitySuite(await Engine.create({ backend: "wasm" }));
  let webgpu: Record<string, string> | string;
  try {
    const engine = await Engine.create({ backend: "webgpu" });
    webgpu = await runParitySuite(engine);
    engine.dispose();
  } catch (e) {
    webgpu = `error: ${(e as Error).message}`;
  }
  return { wasm, webgpu };
}

(globalThis as { parity?: Promise<unknown> }).parity = main();
