// A 64-bit checksum of a byte range, so that the engine can tell whether a failing kernel wrote
// over a model's weights without keeping a second copy of them in JavaScript. Not cryptographic:
// it only has to notice an accidental overwrite. Two independent lanes halve the dependency chain.

// @ts-ignore: decorator
@inline const M1: u64 = 0xff51afd7ed558ccd;
// @ts-ignore: decorator
@inline const M2: u64 = 0xc4ceb9fe1a85ec53;

// @ts-ignore: decorator
@inline function mix(h: u64, w: u64): u64 {
  h = (h ^ w) * M1;
  return h ^ (h >>> 29);
}

/** Checksum of memory [ptr, ptr + bytes). */
export function checksum64(ptr: usize, bytes: i32): u64 {
  let a: u64 = 0x9E3779B97F4A7C15 ^ <u64>bytes, b: u64 = M2;
  const end16 = ptr + (<usize>bytes & ~15);
  let p = ptr;
  for (; p < end16; p += 16) {
    a = mix(a, load<u64>(p));
    b = mix(b, load<u64>(p, 8));
  }
  for (const end = ptr + <usize>bytes; p < end; p++) a = mix(a, <u64>load<u8>(p));
  return mix(a, b * M2);
}
