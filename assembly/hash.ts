// Open-addressing hash table from site key (i64) to row index (i32): capacity a power of two
// >= 2n, linear probing, Fibonacci hashing of the key. Layout at `table`: keys i64[cap], then
// values i32[cap]. Empty slots hold key -1 (real keys are >= 0). Insertion is sequential in row
// order, so the table's contents do not depend on anything but the keys.

// @ts-ignore: decorator
@inline const EMPTY: i64 = -1;
// @ts-ignore: decorator
@inline const GOLDEN: u64 = 0x9E3779B97F4A7C15;

// @ts-ignore: decorator
@inline function slotOf(key: i64, capLog2: i32): usize {
  return <usize>((<u64>key * GOLDEN) >>> (64 - capLog2));
}

/** Bytes the table needs for 2^capLog2 slots. */
export function hashTableBytes(capLog2: i32): i32 {
  return (1 << capLog2) * 12;
}

/** Clears the table and inserts keys[0..n) with values 0..n-1. A key already present keeps its
 *  first value. Returns the number of distinct keys inserted. */
export function hashBuild(table: usize, capLog2: i32, keys: usize, n: i32): i32 {
  const cap = <usize>1 << capLog2;
  const mask = cap - 1;
  const vals = table + (cap << 3);
  memory.fill(table, 0xff, cap << 3);
  let distinct = 0;
  for (let i = 0; i < n; i++) {
    const k = load<i64>(keys + (<usize>i << 3));
    let s = slotOf(k, capLog2);
    while (true) {
      const t = load<i64>(table + (s << 3));
      if (t == EMPTY) {
        store<i64>(table + (s << 3), k);
        store<i32>(vals + (s << 2), i);
        distinct++;
        break;
      }
      if (t == k) break;
      s = (s + 1) & mask;
    }
  }
  return distinct;
}

// @ts-ignore: decorator
@inline export function hashFind(table: usize, capLog2: i32, k: i64): i32 {
  const cap = <usize>1 << capLog2;
  const mask = cap - 1;
  let s = slotOf(k, capLog2);
  while (true) {
    const t = load<i64>(table + (s << 3));
    if (t == k) return load<i32>(table + (cap << 3) + (s << 2));
    if (t == EMPTY) return -1;
    s = (s + 1) & mask;
  }
}

/** Looks up n query keys; writes the row index or -1 to out[i]. */
export function hashLookupMany(table: usize, capLog2: i32, queries: usize, n: i32, out: usize): void {
  for (let i = 0; i < n; i++) {
    store<i32>(out + (<usize>i << 2), hashFind(table, capLog2, load<i64>(queries + (<usize>i << 3))));
  }
}
