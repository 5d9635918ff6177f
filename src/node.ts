// sparsessnet/node: the parts that need Node (files, worker threads): model files read straight
// into an engine, the shipped models by name, event files (HDF5, safetensors, npz), a threaded
// engine (one event over several threads, same bits) and a pool of engines on worker threads.
export { BUILTIN_MODELS, loadModel, loadModelInto, modelPath } from "./node/model-io.js";
export { openEventFile, type EventFileReader, type OpenOptions } from "./node/open-events.js";
export { readEventFile, type EventFile } from "./node/event-file.js";
export { createThreadedEngine, type ThreadedEngine } from "./node/threads.js";
export { SegmentationPool, type PoolOptions } from "./node/worker-pool.js";
export { nodeGpu } from "./node/webgpu.js";
