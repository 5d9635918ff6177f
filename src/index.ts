// sparsessnet: submanifold sparse convolutional networks (SparseSSNet U-ResNet) in WebAssembly.
// This entry point is free of Node-only APIs: it runs in Node and in browsers.
export { Engine, TRACK, SHOWER, type Model, type RunOptions, type SegmentationResult, type ConvolutionCall } from "./engine.js";
export * from "./errors.js";
export { type SparseTensor, validateSparseTensor } from "./tensor/sparse-tensor.js";
export { prepareSparse, sparseFromImage, type PrepareOptions } from "./tensor/prepare.js";
export { parseModelConfig, configFromManifest, ModelConfigSchema, type ModelConfig, type ModelConfigInput } from "./model/config.js";
export { buildUResNet } from "./model/uresnet.js";
export { parseSafetensors, serializeSafetensors } from "./weights/safetensors.js";
export { importScnStateDict, expectedTensors } from "./weights/scn.js";
export { readModelFile, writeModelFile } from "./weights/model-file.js";
export { randomWeights } from "./weights/random-init.js";
export { widenWeights, widenedConfig } from "./weights/widen.js";
export { deepenWeights, deepenedConfig } from "./weights/deepen.js";
export { addBlocksWeights } from "./weights/add-blocks.js";
export { averageWeights, equalFractions, type NamedModel } from "./weights/average.js";
export { AUGMENTATIONS, averageResults, mirrorImages, segmentAugmented, type Augmentation } from "./mirror-average.js";
