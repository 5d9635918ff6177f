// WebGPU in Node through the optional npm package `webgpu` (Dawn). Without the package, or
// without any Vulkan driver, there is no GPU and `auto` quietly uses wasm.
import { existsSync } from "node:fs";

/** Debian chromium's SwiftShader Vulkan driver: a software GPU, for tests without a real GPU. */
export const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

let gpu: Promise<GPU | undefined> | undefined;

/** The `webgpu` package's GPU object, or undefined. `software: true` points the Vulkan loader at
 *  SwiftShader first (only if VK_ICD_FILENAMES is not set already). */
export function nodeGpu(options: { software?: boolean } = {}): Promise<GPU | undefined> {
  gpu ??= (async () => {
    if (options.software && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    }
    try {
      const name = "webgpu";
      const mod = await import(name) as { create(flags: string[]): GPU; globals: Record<string, unknown> };
      Object.assign(globalThis, mod.globals);
      return mod.create([]);
    } catch {
      return undefined;
    }
  })();
  return gpu;
}
