// AssemblyScript-side unit tests of the geometry kernels on hand-checked cases.
import { computeKeys } from "../keys";
import { radixSortPairs, uniqueSorted } from "../sort";
import { hashBuild, hashFind, hashTableBytes } from "../hash";
import { subRulesMerge, stridedRules } from "../rulebook";

function i32s(values: i32[]): usize {
  const p = heap.alloc(<usize>values.length * 4 + 16);
  for (let i = 0; i < values.length; i++) store<i32>(p + (<usize>i << 2), values[i]);
  return p;
}

describe("radixSortPairs + uniqueSorted", () => {
  it("sorts keys, keeps equal keys in payload order, and collapses duplicates", () => {
    const n = 7;
    const coords = i32s([3, 1, 0, 2, 3, 1, 0, 0, 9, 9, 0, 2, 3, 1]); // (3,1) three times, (0,2) twice
    const keys = heap.alloc(n * 8), vals = i32s([0, 1, 2, 3, 4, 5, 6]);
    computeKeys(coords, 0, n, 2, 16, 16, 1, 0, keys);
    const tk = heap.alloc(n * 8), tv = heap.alloc(n * 4), counts = heap.alloc(1024);
    const flipped = radixSortPairs(keys, vals, n, tk, tv, counts, 8);
    const k = flipped ? tk : keys, v = flipped ? tv : vals;
    for (let i = 1; i < n; i++) expect(load<i64>(k + (<usize>i << 3)) >= load<i64>(k + (<usize>(i - 1) << 3))).toBe(true);
    // (0,0)=0 row3; (0,2)=2 rows 1,5; (3,1)=49 rows 0,2,6; (9,9)=153 row 4
    expect(load<i32>(v)).toBe(3);
    expect(load<i32>(v, 4)).toBe(1);
    expect(load<i32>(v, 8)).toBe(5);
    expect(load<i32>(v, 12)).toBe(0);
    expect(load<i32>(v, 16)).toBe(2);
    expect(load<i32>(v, 20)).toBe(6);
    const siteOf = heap.alloc(n * 4), uk = heap.alloc(n * 8), first = heap.alloc(n * 4);
    const m = uniqueSorted(k, v, n, siteOf, uk, first);
    expect(m).toBe(4);
    expect(load<i32>(siteOf)).toBe(2);      // row 0 -> (3,1), the third site
    expect(load<i32>(siteOf, 4 * 5)).toBe(1); // row 5 -> (0,2)
    expect(load<i32>(first, 4)).toBe(1);     // site (0,2) first appears in row 1
    expect(load<i64>(uk, 24)).toBe(153);
  });
});

describe("hash table", () => {
  it("finds inserted keys and misses absent ones", () => {
    const keys = heap.alloc(100 * 8);
    for (let i = 0; i < 100; i++) store<i64>(keys + (<usize>i << 3), <i64>i * 7919);
    const table = heap.alloc(hashTableBytes(8));
    expect(hashBuild(table, 8, keys, 100)).toBe(100);
    for (let i = 0; i < 100; i++) {
      expect(hashFind(table, 8, <i64>i * 7919)).toBe(i);
      expect(hashFind(table, 8, <i64>i * 7919 + 1)).toBe(-1);
    }
  });
});

describe("subRulesMerge", () => {
  it("connects a dense 3x3 block with 49 pairs, the centre offset with all 9 sites", () => {
    const coords: i32[] = [];
    for (let x = 0; x < 3; x++) for (let y = 0; y < 3; y++) { coords.push(x); coords.push(y); }
    const c = i32s(coords);
    const keys = heap.alloc(9 * 8);
    computeKeys(c, 0, 9, 2, 3, 3, 1, 0, keys);
    const start = heap.alloc(10 * 4), rin = heap.alloc(81 * 4), rout = heap.alloc(81 * 4);
    expect(subRulesMerge(keys, c, 9, 2, 3, 3, 1, 3, start, rin, rout)).toBe(49);
    expect(load<i32>(start, 4 * 5) - load<i32>(start, 4 * 4)).toBe(9); // offset (0,0)
    expect(load<i32>(start, 4) - load<i32>(start)).toBe(4);            // offset (-1,-1)
    // Offset (-1, +1) of site (1,0) is (0,1): row 1, not row 0's wrap-around neighbour.
    const k2s = load<i32>(start, 8), k2e = load<i32>(start, 12);
    let found = false;
    for (let p = k2s; p < k2e; p++) if (load<i32>(rout + (<usize>p << 2)) == 3) { expect(load<i32>(rin + (<usize>p << 2))).toBe(1); found = true; }
    expect(found).toBe(true);
  });
});

describe("stridedRules", () => {
  it("maps each fine site to its parent under its parity offset", () => {
    const c = i32s([0, 0, 0, 1, 1, 1, 2, 3]);
    const parent = i32s([0, 0, 0, 1]);
    const start = heap.alloc(5 * 4), rin = heap.alloc(16), rout = heap.alloc(16);
    stridedRules(c, 4, 2, parent, start, rin, rout);
    expect(load<i32>(start)).toBe(0);
    expect(load<i32>(start, 4)).toBe(1);  // k=0: (0,0)
    expect(load<i32>(start, 8)).toBe(3);  // k=1: (0,1), (2,3)
    expect(load<i32>(start, 12)).toBe(3); // k=2: none
    expect(load<i32>(start, 16)).toBe(4); // k=3: (1,1)
    expect(load<i32>(rin, 8)).toBe(3);
    expect(load<i32>(rout, 8)).toBe(1);
  });
});
