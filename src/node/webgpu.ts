// WebGPU in Node through the optional npm package `webgpu` (Dawn). Without the package, or
// without any Vulkan driver, there is no GPU and `auto` quietly uses wasm.
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Debian chromium's SwiftShader Vulkan driver: a software GPU, for tests without a real GPU. */
export const SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json";

let gpu: Promise<GPU | undefined> | undefined;

/** Whether this machine shows a GPU device node (Linux: /dev/dri/renderD*, /dev/nvidia0). Without
 *  one, only software drivers could answer, and probing them costs time and prints driver noise. */
function gpuDevicePresent(): boolean {
  if (process.platform !== "linux") return true;
  try {
    return existsSync("/dev/nvidia0") || readdirSync("/dev/dri").some((f) => f.startsWith("renderD"));
  } catch {
    return false;
  }
}

/** The `webgpu` package's GPU object, or undefined. `software: true` points the Vulkan loader at
 *  SwiftShader first (only if VK_ICD_FILENAMES is not set already); otherwise a machine without a
 *  GPU device is not probed at all. */
export function nodeGpu(options: { software?: boolean } = {}): Promise<GPU | undefined> {
  gpu ??= (async () => {
    if (!options.software && !gpuDevicePresent()) return undefined;
    if (options.software && !process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
      process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    }
    // Mesa's Vulkan drivers complain without a private runtime directory.
    if (!process.env.XDG_RUNTIME_DIR) process.env.XDG_RUNTIME_DIR = mkdtempSync(join(tmpdir(), "sparsessnet-xdg-"));
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
