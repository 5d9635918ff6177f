// Finding a WebGPU adapter: navigator.gpu in browsers, or a GPU object handed in (Node: the npm
// `webgpu` package, see src/node/webgpu.ts). A software adapter (SwiftShader, isFallbackAdapter)
// is not a GPU: `auto` prefers wasm there, but it can be forced for tests.

export interface AdapterReport { vendor: string; architecture: string; device: string; description: string; fallback: boolean }

export interface GpuDevice { device: GPUDevice; adapter: AdapterReport }

export function defaultGpu(): GPU | undefined {
  return (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
}

/** The adapter's device with the largest buffer limits it offers, or undefined when there is none. */
export async function requestDevice(gpu: GPU | undefined): Promise<GpuDevice | undefined> {
  if (!gpu) return undefined;
  const adapter = await gpu.requestAdapter({ powerPreference: "high-performance" });
  if (!adapter) return undefined;
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const fallback = info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
    },
  });
  return {
    device,
    adapter: { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, fallback },
  };
}
