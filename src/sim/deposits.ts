// Energy deposits: points (cm) with an energy (MeV), the particle instance that left them and its
// 5-class label. Grown in place; read by the voxeliser and the wire-plane projection.

export class Deposits {
  n = 0;
  x = new Float32Array(4096);
  y = new Float32Array(4096);
  z = new Float32Array(4096);
  e = new Float32Array(4096);
  id = new Int32Array(4096);
  label = new Uint8Array(4096);

  add(x: number, y: number, z: number, e: number, id: number, label: number): void {
    if (e <= 0) return;
    if (this.n === this.x.length) this.grow();
    const i = this.n++;
    this.x[i] = x; this.y[i] = y; this.z[i] = z; this.e[i] = e; this.id[i] = id; this.label[i] = label;
  }

  total(): number {
    let s = 0;
    for (let i = 0; i < this.n; i++) s += this.e[i];
    return s;
  }

  private grow(): void {
    const m = this.x.length * 2;
    const f = (a: Float32Array) => { const b = new Float32Array(m); b.set(a); return b; };
    this.x = f(this.x); this.y = f(this.y); this.z = f(this.z); this.e = f(this.e);
    const id = new Int32Array(m); id.set(this.id); this.id = id;
    const l = new Uint8Array(m); l.set(this.label); this.label = l;
  }
}
