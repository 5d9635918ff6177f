// The simulated streams must not change: every model card's validation and test sets are events of
// these streams (`sim:3d:192@1000`, `sim:2d@1000`, ...), named by seed and index only, and its
// numbers hold only while the same seed gives the same events. So any change to the generator
// that is meant to be a speed-up must leave these digests as they are. They were recorded from the
// generator of session 20 (commit b990a10), before the generator was made faster without
// changing a bit. A change to the physics changes them on purpose, and then every card's
// numbers must be measured again.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { simulateEvent, type SimConfig } from "../src/sim/index.js";
import { hypot2, hypot3 } from "../src/sim/hypot.js";

function streamDigest(config: SimConfig, seed: number, events: number): string {
  const all = createHash("sha256");
  for (let i = 0; i < events; i++) {
    const ev = simulateEvent(config, seed, i);
    const h = createHash("sha256");
    for (const a of [ev.tensor.coords, ev.tensor.features, ev.labels, ev.instances, ev.trackShowerPurity]) {
      assert.ok(a, `event ${i} of the stream lacks one of its arrays`);
      h.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
    h.update(JSON.stringify(ev.particles));
    h.update(JSON.stringify(ev.meta));
    all.update(h.digest("hex").slice(0, 16));
  }
  return all.digest("hex").slice(0, 24);
}

test("the held-out streams give the events they gave when the shipped models were measured", () => {
  assert.equal(streamDigest({ dim: 3, size: 192 }, 1000, 12), "f5011b00b38bc69abdec5efc", "sim:3d:192@1000, events 0-11");
  assert.equal(streamDigest({ dim: 2 }, 1000, 12), "ea2558bac3de0354a8156402", "sim:2d@1000, events 0-11");
  assert.equal(streamDigest({ dim: 2, plane: "U" }, 7, 4), "bc94dd8cafd225327455ec82", "sim:2d:U@7, events 0-3");
});

test("hypot2 and hypot3 give Math.hypot's bits (V8's algorithm), zeros, signs, extremes and non-finite values included", () => {
  let state = 12345;
  const uniform = () => ((state = (Math.imul(state, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const value = () => {
    const r = uniform();
    if (r < 0.03) return [0, -0, Infinity, -Infinity, NaN, Number.MIN_VALUE, Number.MAX_VALUE][Math.floor(uniform() * 7)];
    return (uniform() - 0.5) * 2 ** Math.floor(uniform() * 120 - 60);
  };
  for (let i = 0; i < 200_000; i++) {
    const a = value(), b = value(), c = value();
    assert.ok(Object.is(hypot3(a, b, c), Math.hypot(a, b, c)), `hypot3(${a}, ${b}, ${c}) = ${hypot3(a, b, c)}, Math.hypot ${Math.hypot(a, b, c)}`);
    assert.ok(Object.is(hypot2(a, b), Math.hypot(a, b)), `hypot2(${a}, ${b}) = ${hypot2(a, b)}, Math.hypot ${Math.hypot(a, b)}`);
  }
});
