// The eight bytes every HDF5 file starts with (its superblock's format signature), for the writer
// and for the readers that tell an HDF5 file from other formats.
export const HDF5_SIGNATURE: readonly number[] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** Whether `head` (a file's first bytes) starts with the HDF5 signature. */
export function startsAsHdf5(head: Uint8Array): boolean {
  return HDF5_SIGNATURE.every((b, i) => head[i] === b);
}
