// MicroBooNE's SparseSSNet training sample, the "particle bomb": a vertex uniform in the volume
// with 1-6 particles drawn from e- (0-2), gamma (0-2), mu (0-2), pi+- (0-2), p (0-3), isotropic;
// kinetic energies e/gamma 50-1000 MeV, mu 50-3000, pi 50-2000, p 50-4000; in ~15% of events a
// low-energy variant with momenta e/gamma 30-100 MeV/c, mu 85-175, pi 95-195, p 300-450 MeV/c;
// plus cosmic muons of 5-20 GeV crossing the volume from above (cos^2 zenith distribution).

import { ELECTRON_MASS, MUON_MASS, PION_MASS, PROTON_MASS } from "./lar.js";
import { Random } from "./random.js";
import type { Vec3 } from "./transport.js";

export interface Primary { pdg: number; T: number; dir: Vec3 }

interface Species { pdg: () => number; max: number; mass: number; T: [number, number]; pLow: [number, number] }

export function particleBomb(rnd: Random, lowEnergy: boolean): Primary[] {
  const species: Species[] = [
    { pdg: () => 11, max: 2, mass: ELECTRON_MASS, T: [50, 1000], pLow: [30, 100] },
    { pdg: () => 22, max: 2, mass: 0, T: [50, 1000], pLow: [30, 100] },
    { pdg: () => (rnd.uniform() < 0.5 ? 13 : -13), max: 2, mass: MUON_MASS, T: [50, 3000], pLow: [85, 175] },
    { pdg: () => (rnd.uniform() < 0.5 ? 211 : -211), max: 2, mass: PION_MASS, T: [50, 2000], pLow: [95, 195] },
    { pdg: () => 2212, max: 3, mass: PROTON_MASS, T: [50, 4000], pLow: [300, 450] },
  ];
  const total = rnd.int(1, 6);
  // Draw species one particle at a time among those not at their maximum.
  const counts = species.map(() => 0);
  const out: Primary[] = [];
  for (let i = 0; i < total; i++) {
    const open = species.map((s, k) => k).filter((k) => counts[k] < species[k].max);
    const k = open[Math.floor(rnd.uniform() * open.length)];
    counts[k]++;
    const s = species[k];
    let T: number;
    if (lowEnergy) {
      const p = rnd.range(s.pLow[0], s.pLow[1]);
      T = Math.sqrt(p * p + s.mass * s.mass) - s.mass;
    } else {
      T = rnd.range(s.T[0], s.T[1]);
    }
    out.push({ pdg: s.pdg(), T, dir: rnd.direction() });
  }
  return out;
}

/** A cosmic muon entering through the top face (y = yMax) of the box [lo, hi]: energy 5-20 GeV,
 *  zenith angle with the cos^2 distribution, azimuth uniform. */
export function cosmicMuon(rnd: Random, lo: Vec3, hi: Vec3): { start: Vec3; dir: Vec3; T: number; pdg: number } {
  let c: number;
  do { c = rnd.uniform(); } while (rnd.uniform() > c * c);
  const s = Math.sqrt(1 - c * c), phi = 2 * Math.PI * rnd.uniform();
  const dir: Vec3 = [s * Math.cos(phi), -c, s * Math.sin(phi)];
  const start: Vec3 = [rnd.range(lo[0], hi[0]), hi[1] - 1e-3, rnd.range(lo[2], hi[2])];
  return { start, dir, T: rnd.range(5000, 20000), pdg: rnd.uniform() < 0.55 ? -13 : 13 };
}
