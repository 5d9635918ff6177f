// The generator's random source: xoshiro128** (from the weights' initialiser) with the
// distributions the physics needs. One stream per (seed, event index), so any event can be made
// alone, in any order, on any machine, with the same bits.

import { rng } from "../weights/random-init.js";

export class Random {
  readonly uniform: () => number;
  // The second normal of a Box-Muller pair. A flag rather than `number | undefined`: a field that
  // may hold undefined stores each double boxed on the heap, and the garbage collector then took
  // a fifth of the generator's time.
  private spare = 0;
  private hasSpare = false;

  constructor(seed: number, index: number) {
    // Mix seed and index (splitmix-style) so neighbouring events get unrelated streams.
    let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul((index >>> 0) + 0x7f4a7c15, 0x85ebca6b)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x21f0aaad) >>> 0;
    h = Math.imul(h ^ (h >>> 15), 0x735a2d97) >>> 0;
    this.uniform = rng((h ^ (h >>> 15)) >>> 0 ^ Math.floor(index / 4294967296));
  }

  /** Uniform in [a, b). */
  range(a: number, b: number): number { return a + (b - a) * this.uniform(); }

  /** Integer uniform in [a, b] inclusive. */
  int(a: number, b: number): number { return a + Math.floor(this.uniform() * (b - a + 1)); }

  normal(): number {
    if (this.hasSpare) { this.hasSpare = false; return this.spare; }
    const u1 = 1 - this.uniform(), u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    this.hasSpare = true;
    return r * Math.cos(2 * Math.PI * u2);
  }

  exponential(mean: number): number { return -mean * Math.log(1 - this.uniform()); }

  poisson(mean: number): number {
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const l = Math.exp(-mean);
    let k = 0, p = this.uniform();
    while (p > l) { k++; p *= this.uniform(); }
    return k;
  }

  /** Moyal variate (mode 0): the standard closed-form stand-in for the Landau distribution.
   *  If Z ~ N(0, 1) then -ln(Z^2) is Moyal-distributed. */
  moyal(): number {
    const z = this.normal();
    return -Math.log(Math.max(z * z, 1e-300));
  }

  /** Isotropic unit vector. */
  direction(): [number, number, number] {
    const c = 2 * this.uniform() - 1, s = Math.sqrt(1 - c * c), phi = 2 * Math.PI * this.uniform();
    return [s * Math.cos(phi), s * Math.sin(phi), c];
  }
}
