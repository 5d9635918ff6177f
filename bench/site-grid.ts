// A dense image of one held-out event's sites for the analyses of bench/: a small code per site
// (0 empty), and the Chebyshev distance from a site to the nearest site with a given code. Dense,
// because these analyses ask about neighbourhoods of every site; set the sites of one event, ask,
// then clear the same sites for the next.
export class SiteGrid {
  private readonly cells: Uint8Array;

  constructor(readonly shape: number[]) {
    this.cells = new Uint8Array(shape.reduce((a, b) => a * b, 1));
  }

  /** The event's 3D cube (192) or 2D wire-plane image (1008 x 3456) of the held-out analyses. */
  static forDim(dim: 2 | 3): SiteGrid {
    return new SiteGrid(dim === 3 ? [192, 192, 192] : [1008, 3456]);
  }

  private cell(c: ArrayLike<number>): number {
    let k = 0;
    for (let a = 0; a < this.shape.length; a++) k = k * this.shape[a] + c[a];
    return k;
  }

  set(c: ArrayLike<number>, code: number): void {
    this.cells[this.cell(c)] = code;
  }

  /** Chebyshev distance from c to the nearest site whose code is `code`, up to R (R + 1: none within R). */
  nearest(c: ArrayLike<number>, code: number, R: number): number {
    const s = this.shape, dim = s.length;
    for (let r = 1; r <= R; r++) {
      const lo = Array.from({ length: dim }, (_, a) => Math.max(0, c[a] - r));
      const hi = Array.from({ length: dim }, (_, a) => Math.min(s[a] - 1, c[a] + r));
      for (let a = lo[0]; a <= hi[0]; a++)
        for (let b = lo[1]; b <= hi[1]; b++) {
          if (dim === 2) { if (this.cells[a * s[1] + b] === code) return r; continue; }
          for (let z = lo[2]; z <= hi[2]; z++) if (this.cells[(a * s[1] + b) * s[2] + z] === code) return r;
        }
    }
    return R + 1;
  }
}
