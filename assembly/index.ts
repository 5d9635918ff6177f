// The one wasm module: every kernel family, exported by name. Kernels take byte offsets into
// linear memory, counts and strides, never objects; the TypeScript layer owns the layout.
export { computeKeys, gatherSiteCoords } from "./keys";
export { radixSortPairs, uniqueSorted } from "./sort";
export { hashTableBytes, hashBuild, hashLookupMany } from "./hash";
export { subRulesMerge, subRulesHash, stridedRules, rulesToTable } from "./rulebook";
export { convRules, convRulesScalar, ruleTiles, gemmRows, gemmRowsScalar, zeroRows } from "./conv";
export { nonzeroStarts, compressRows, compressRowsScalar } from "./sparse-input";
export { checksum64 } from "./checksum";
export { firstNonFinite, firstNonFiniteScalar } from "./finite";
export { affineAct, affineActScalar } from "./bnact";
export { addRows, addRowsScalar, concatRows, concatRowsScalar, gatherRows, sumRowsIntoSites } from "./elementwise";
export { softmaxRows, softmaxRowsScalar, argmaxRows, argmaxRowsScalar, expNeg } from "./softmax";
export { smoothScores, smoothLines, neighbourSums } from "./smoothing";

/** First byte of linear memory free for the TypeScript arena (after static data), 16-aligned. */
export function heapBase(): usize {
  return (__heap_base + 15) & ~15;
}
export { convWeightGrad, convWeightGradOffsets, convWeightGradScalar, channelStats, channelStatsScalar, bnActBackward, bnActBackwardScalar, columnSums, columnSumsScalar, transposeOffsets } from "./backward";
export { adamStep } from "./optimizer";
