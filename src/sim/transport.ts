// Particle transport in liquid argon, step by step, leaving energy deposits:
// - muons, pions, protons: Bethe-Bloch mean loss with Landau (Moyal) fluctuations per step, so
//   stopping tracks show the Bragg rise; Highland multiple scattering; knock-on electrons (delta
//   rays) above DELTA_CUT from the 1/T^2 spectrum; stopping mu+ (and the 25% of mu- not captured)
//   decay to a Michel electron (spectrum x^2 (3 - 2x), endpoint 52.8 MeV); a stopping pi+ decays to
//   a 4.1 MeV mu+ which then decays; a stopping pi- is captured.
// - electrons/positrons: ionisation with fluctuations, bremsstrahlung (Tsai's approximate
//   spectrum), strong multiple scattering;
// - photons: exponential interaction lengths from argon's attenuation, pair production or Compton
//   scattering (Klein-Nishina), photoabsorption at the lowest energies.
// EM cascades come out of the photon/electron interplay; every descendant inherits the label and
// instance of the particle that started it (shower, delta or Michel).

import { Deposits } from "./deposits.js";
import {
  CRITICAL_ENERGY_MEV, ELECTRON_MASS, MUON_MASS, PION_MASS, PROTON_MASS, RADIATION_LENGTH_CM, RangeTable, betheDedx, densityEffect, highlandTheta0,
  landauParameters, maxEnergyTransfer, photonAttenuation, DENSITY, Z_OVER_A,
} from "./lar.js";
import { hypot2, hypot3 } from "./hypot.js";
import { Random } from "./random.js";
import type { TrueParticle } from "../data/labelled-event.js";
import { DELTA, HIP, MICHEL, MIP, SHOWER_CLASS } from "../data/labelled-event.js";

export type Vec3 = [number, number, number];
export const MICHEL_ENDPOINT_MEV = 52.83;
/** Knock-on electrons above this kinetic energy are made explicitly (below: part of the continuous loss). */
export const DELTA_CUT_MEV = 3;
const STEP_CM = 0.1;
const ELECTRON_CUT_MEV = 0.3;
const PHOTON_CUT_MEV = 0.05;
const MU_MINUS_CAPTURE = 0.75;

export const MASS: Record<number, number> = { 13: MUON_MASS, 211: PION_MASS, 2212: PROTON_MASS, 11: ELECTRON_MASS };
const rangeTables = new Map<number, RangeTable>();
export function rangeTable(mass: number): RangeTable {
  let t = rangeTables.get(mass);
  if (!t) rangeTables.set(mass, t = new RangeTable(mass));
  return t;
}

export interface World {
  /** Is the point inside the active volume (particles leaving it stop being tracked)? */
  inside(p: Vec3): boolean;
}

export class Transport {
  readonly particles: TrueParticle[] = [];
  private nextId = 0;

  constructor(readonly rnd: Random, readonly world: World, readonly deposits: Deposits) {}

  newParticle(p: Omit<TrueParticle, "id">): TrueParticle {
    const tp = { ...p, id: this.nextId++ };
    this.particles.push(tp);
    return tp;
  }

  /** Tracks a primary (or cosmic) particle by PDG code. */
  run(pdg: number, start: Vec3, dir: Vec3, T: number, process: string, parent = -1): void {
    const a = Math.abs(pdg);
    const label = a === 2212 ? HIP : a === 13 || a === 211 ? MIP : SHOWER_CLASS;
    const p = this.newParticle({ parent, pdg, kineticMeV: T, start: [...start], direction: [...dir], process, label });
    if (a === 22) this.photon(start, dir, T, p.id, label);
    else if (a === 11) this.electron(start, dir, T, p.id, label);
    else this.heavy(pdg, start, dir, T, p.id, label);
  }

  private heavy(pdg: number, start: Vec3, dir0: Vec3, T0: number, id: number, label: number): void {
    const mass = MASS[Math.abs(pdg)], rnd = this.rnd, D = this.deposits;
    const table = rangeTable(mass);
    const pos: Vec3 = [...start], dir: Vec3 = [...dir0];
    let T = T0;
    const makesDeltas = Math.abs(pdg) !== 2212;
    const tStop = 0.05;
    while (T > tStop) {
      if (!this.world.inside(pos)) return;
      // Shorter steps near the end, so the Bragg peak is resolved.
      const ds = Math.min(STEP_CM, Math.max(0.005, 0.25 * table.rangeOf(T)));
      const gamma = 1 + T / mass, bg = Math.sqrt(gamma * gamma - 1), beta = bg / gamma, p = bg * mass;
      const delta = densityEffect(bg);
      const mean = betheDedx(T, mass, delta) * ds;
      let loss: number;
      if (T < 10 * mean) {
        loss = mean; // last steps: the mean loss, so the range is the CSDA range
      } else {
        const { mpv, xi } = landauParameters(T, mass, ds, delta);
        loss = mpv + xi * Math.min(rnd.moyal(), 20); // tail beyond ~20 xi is the explicit delta rays' job
      }
      loss = Math.min(loss, T);
      const mx = pos[0] + dir[0] * ds / 2, my = pos[1] + dir[1] * ds / 2, mz = pos[2] + dir[2] * ds / 2;
      D.add(mx, my, mz, loss, id, label);
      T -= loss;
      if (makesDeltas && T > DELTA_CUT_MEV) {
        const tmax = Math.min(maxEnergyTransfer(mass, bg), T);
        if (tmax > DELTA_CUT_MEV) {
          // dN/dT dx = (K/2)(Z/A) rho / beta^2 / T^2 (free-electron limit)
          const rate = 0.5 * 0.307075 * Z_OVER_A * DENSITY / (beta * beta) * (1 / DELTA_CUT_MEV - 1 / tmax);
          const n = rnd.poisson(rate * ds);
          for (let k = 0; k < n && T > DELTA_CUT_MEV; k++) {
            const Td = 1 / (1 / DELTA_CUT_MEV - rnd.uniform() * (1 / DELTA_CUT_MEV - 1 / tmax));
            if (Td >= T) continue;
            const E = T + mass, pe = Math.sqrt(Td * Td + 2 * Td * ELECTRON_MASS);
            const cos = Math.min(1, (Td / pe) * (E + ELECTRON_MASS) / p);
            const ddir = rotate(dir, Math.acos(cos), 2 * Math.PI * rnd.uniform());
            // A knock-on electron above the critical energy radiates and showers: it looks, and is
            // labelled, like a shower; below, it is the short delta-ray track the class means.
            const dl = Td > CRITICAL_ENERGY_MEV ? SHOWER_CLASS : DELTA;
            const child = this.newParticle({ parent: id, pdg: 11, kineticMeV: Td, start: [mx, my, mz], direction: [...ddir], process: "delta", label: dl });
            T -= Td;
            this.electron([mx, my, mz], ddir, Td, child.id, dl);
          }
        }
      }
      pos[0] += dir[0] * ds; pos[1] += dir[1] * ds; pos[2] += dir[2] * ds;
      // Highland's width for the whole path is reproduced by per-step kicks scaled as sqrt(ds/X0)
      // with the log term taken at one radiation length (a per-step log would understate it).
      const theta0 = (13.6 / (beta * p)) * Math.sqrt(ds / RADIATION_LENGTH_CM);
      scatter(dir, theta0 * rnd.normal(), theta0 * rnd.normal());
    }
    if (T > 0) D.add(pos[0], pos[1], pos[2], T, id, label);
    this.stopped(pdg, pos, id);
  }

  /** What a stopped muon or pion becomes. */
  private stopped(pdg: number, pos: Vec3, id: number): void {
    const rnd = this.rnd;
    if (pdg === 13 && rnd.uniform() < MU_MINUS_CAPTURE) return; // mu- captured by an argon nucleus
    if (pdg === 13 || pdg === -13) {
      const x = sampleMichelFraction(rnd);
      const dir = rnd.direction();
      const T = x * MICHEL_ENDPOINT_MEV;
      const m = this.newParticle({ parent: id, pdg: pdg === 13 ? 11 : -11, kineticMeV: T, start: [...pos], direction: dir, process: "michel", label: MICHEL });
      this.electron(pos, dir, T, m.id, MICHEL);
    } else if (pdg === 211) {
      const dir = this.rnd.direction();
      const mu = this.newParticle({ parent: id, pdg: -13, kineticMeV: 4.12, start: [...pos], direction: dir, process: "decay", label: MIP });
      this.heavy(-13, pos, dir, 4.12, mu.id, MIP);
    }
    // pi- and protons: absorbed / at rest.
  }

  electron(start: Vec3, dir0: Vec3, T0: number, id: number, label: number): void {
    const rnd = this.rnd, D = this.deposits;
    const pos: Vec3 = [...start], dir: Vec3 = [...dir0];
    let T = T0;
    while (T > ELECTRON_CUT_MEV) {
      if (!this.world.inside(pos)) return;
      const ds = Math.min(STEP_CM, Math.max(0.01, 0.2 * T / 2.5));
      const gamma = 1 + T / ELECTRON_MASS, bg = Math.sqrt(gamma * gamma - 1), beta = bg / gamma, p = bg * ELECTRON_MASS;
      // Collision loss of an electron is close to that of a heavy particle at the same velocity.
      const delta = densityEffect(bg);
      const mean = betheDedx(T, ELECTRON_MASS, delta) * ds;
      const { mpv, xi } = landauParameters(T, ELECTRON_MASS, ds, delta);
      let loss = T < 20 * mean ? mean : mpv + xi * Math.min(rnd.moyal(), 20);
      loss = Math.min(loss, T);
      const mx = pos[0] + dir[0] * ds / 2, my = pos[1] + dir[1] * ds / 2, mz = pos[2] + dir[2] * ds / 2;
      D.add(mx, my, mz, loss, id, label);
      T -= loss;
      // Bremsstrahlung: photons with fraction y of T from Tsai's (4/3 - 4/3 y + y^2)/y above
      // y_min = 1 MeV / T; the integrated rate radiates ~T per radiation length.
      if (T > 2) {
        const ymin = 1 / T;
        const rate = ((4 / 3) * Math.log(1 / ymin) - (4 / 3) * (1 - ymin) + (1 - ymin * ymin) / 2) / RADIATION_LENGTH_CM;
        const n = rnd.poisson(rate * ds);
        for (let k = 0; k < n && T > 2; k++) {
          let y: number;
          do { y = ymin ** (1 - rnd.uniform()); } while (rnd.uniform() * (4 / 3) > 4 / 3 - (4 / 3) * y + y * y);
          const k_ = Math.min(y * T, T - ELECTRON_CUT_MEV);
          T -= k_;
          const pdir = rotate(dir, ELECTRON_MASS / (T + k_ + ELECTRON_MASS) * Math.abs(rnd.normal()), 2 * Math.PI * rnd.uniform());
          this.photon([mx, my, mz], pdir, k_, id, label);
        }
      }
      pos[0] += dir[0] * ds; pos[1] += dir[1] * ds; pos[2] += dir[2] * ds;
      const theta0 = Math.min(1.5, Math.abs(highlandTheta0(p, beta, Math.max(ds, 1e-3))));
      scatter(dir, theta0 * rnd.normal(), theta0 * rnd.normal());
    }
    if (T > 0) D.add(pos[0], pos[1], pos[2], T, id, label);
  }

  photon(start: Vec3, dir0: Vec3, E0: number, id: number, label: number): void {
    const rnd = this.rnd, D = this.deposits;
    const pos: Vec3 = [...start], dir: Vec3 = [...dir0];
    let E = E0;
    for (;;) {
      const { compton, pair } = photonAttenuation(E);
      const d = rnd.exponential(1 / ((compton + pair) * DENSITY));
      pos[0] += dir[0] * d; pos[1] += dir[1] * d; pos[2] += dir[2] * d;
      if (!this.world.inside(pos)) return; // escapes
      if (E < PHOTON_CUT_MEV) { D.add(pos[0], pos[1], pos[2], E, id, label); return; }
      if (rnd.uniform() * (compton + pair) < pair) {
        const avail = E - 2 * ELECTRON_MASS, f = rnd.uniform();
        for (const T of [f * avail, (1 - f) * avail]) {
          const theta = ELECTRON_MASS / (E + 1e-9) * Math.abs(rnd.normal());
          this.electron(pos, rotate(dir, theta, 2 * Math.PI * rnd.uniform()), T, id, label);
        }
        return;
      }
      // Compton: sample the scattered photon's fraction eps by Klein-Nishina (rejection).
      const k = E / ELECTRON_MASS, eps0 = 1 / (1 + 2 * k);
      let eps: number, cos: number;
      for (;;) {
        eps = eps0 + (1 - eps0) * rnd.uniform();
        cos = 1 - (1 / eps - 1) / k;
        const g = (eps + 1 / eps - (1 - cos * cos)) / (eps0 + 1 / eps0);
        if (rnd.uniform() < g) break;
      }
      const phi = 2 * Math.PI * rnd.uniform();
      const out = rotate(dir, Math.acos(Math.max(-1, Math.min(1, cos))), phi);
      const Te = E * (1 - eps);
      // The electron takes the momentum the photon lost.
      const pe: Vec3 = [E * dir[0] - eps * E * out[0], E * dir[1] - eps * E * out[1], E * dir[2] - eps * E * out[2]];
      const norm = hypot3(pe[0], pe[1], pe[2]) || 1;
      this.electron(pos, [pe[0] / norm, pe[1] / norm, pe[2] / norm], Te, id, label);
      E *= eps;
      dir[0] = out[0]; dir[1] = out[1]; dir[2] = out[2];
      if (E < PHOTON_CUT_MEV) { D.add(pos[0], pos[1], pos[2], E, id, label); return; }
    }
  }
}

/** Michel spectrum (massless electron, no radiative corrections): x^2 (3 - 2x) on [0, 1]. */
export function sampleMichelFraction(rnd: Random): number {
  for (;;) {
    const x = rnd.uniform();
    if (rnd.uniform() <= x * x * (3 - 2 * x)) return x;
  }
}

/** Direction at polar angle theta from d, azimuth phi. */
export function rotate(d: Vec3, theta: number, phi: number): Vec3 {
  const out: Vec3 = [0, 0, 0];
  rotateInto(d, theta, phi, out);
  return out;
}

/** rotate(d, theta, phi) written into `out` (which may be d itself), without allocating: the
 *  generator turns every particle at every step. */
function rotateInto(d: Vec3, theta: number, phi: number, out: Vec3): void {
  // An orthonormal basis (u, v) perpendicular to d, from a = x (or y when d is near x): u = d x a.
  const ax = Math.abs(d[0]) < 0.9 ? 1 : 0, ay = 1 - ax;
  const d0 = d[0], d1 = d[1], d2 = d[2];
  let u0 = d1 * 0 - d2 * ay, u1 = d2 * ax - d0 * 0, u2 = d0 * ay - d1 * ax;
  const nu = hypot3(u0, u1, u2);
  u0 /= nu; u1 /= nu; u2 /= nu;
  const v0 = d1 * u2 - d2 * u1, v1 = d2 * u0 - d0 * u2, v2 = d0 * u1 - d1 * u0;
  const s = Math.sin(theta), c = Math.cos(theta), cp = Math.cos(phi), sp = Math.sin(phi);
  const r0 = c * d0 + s * (cp * u0 + sp * v0), r1 = c * d1 + s * (cp * u1 + sp * v1), r2 = c * d2 + s * (cp * u2 + sp * v2);
  const n = hypot3(r0, r1, r2);
  out[0] = r0 / n; out[1] = r1 / n; out[2] = r2 / n;
}

/** Small-angle kick (projected angles tx, ty) applied to d in place. */
function scatter(d: Vec3, tx: number, ty: number): void {
  const theta = hypot2(tx, ty);
  if (theta === 0) return;
  rotateInto(d, theta, Math.atan2(ty, tx), d);
}
