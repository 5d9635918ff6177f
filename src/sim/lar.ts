// Liquid argon: the constants and energy-loss physics the generator uses (PDG Review of Particle
// Physics, "Passage of particles through matter"; PDG atomic & nuclear properties of liquid argon).

export const DENSITY = 1.396; // g/cm^3
export const Z_OVER_A = 18 / 39.948;
export const MEAN_EXCITATION_MEV = 188e-6;
export const RADIATION_LENGTH_CM = 14.0; // X0 = 19.55 g/cm^2 / 1.396
export const CRITICAL_ENERGY_MEV = 32.84;
export const ELECTRON_MASS = 0.51099895;
export const MUON_MASS = 105.6583755;
export const PION_MASS = 139.57039;
export const PROTON_MASS = 938.27208816;
const K = 0.307075; // 4 pi N_A r_e^2 m_e c^2, MeV cm^2 / mol

/** Sternheimer density-effect correction delta(beta gamma) for liquid argon (PDG table:
 *  -C = -5.2146, x0 = 0.2, x1 = 3.0, a = 0.19559, k = 3.0). */
export function densityEffect(betaGamma: number): number {
  const x = Math.log10(betaGamma), C = 5.2146, x0 = 0.2, x1 = 3.0, a = 0.19559, k = 3.0;
  if (x >= x1) return 2 * Math.LN10 * x - C;
  if (x >= x0) return 2 * Math.LN10 * x - C + a * (x1 - x) ** k;
  return 0;
}

/** Largest energy a collision can give a free electron (MeV). */
export function maxEnergyTransfer(mass: number, betaGamma: number): number {
  const gamma = Math.sqrt(1 + betaGamma * betaGamma), r = ELECTRON_MASS / mass;
  return (2 * ELECTRON_MASS * betaGamma * betaGamma) / (1 + 2 * gamma * r + r * r);
}

/** Mean stopping power (Bethe-Bloch with the density effect), MeV/cm, for a singly charged
 *  particle of `mass` (MeV) with kinetic energy `T` (MeV). `delta`: the density effect at this
 *  energy, when the caller has it already (the transport's steps need it twice, and its power
 *  function was a seventh of the generator's time). */
export function betheDedx(T: number, mass: number, delta?: number): number {
  const gamma = 1 + T / mass, bg2 = gamma * gamma - 1, beta2 = bg2 / (gamma * gamma);
  const tmax = maxEnergyTransfer(mass, Math.sqrt(bg2));
  const arg = (2 * ELECTRON_MASS * bg2 * tmax) / (MEAN_EXCITATION_MEV * MEAN_EXCITATION_MEV);
  const L = 0.5 * Math.log(arg) - beta2 - (delta ?? densityEffect(Math.sqrt(bg2))) / 2;
  // Below ~1 MeV/nucleon the formula turns over; keep a floor so ranges stay finite.
  return Math.max(K * Z_OVER_A * DENSITY / beta2 * L, 1e-3 + 0.5 * K * Z_OVER_A * DENSITY / beta2);
}

/** Landau (Bichsel) parameters of the energy lost over `dx` cm: the most probable loss and the
 *  width xi, both in MeV. `delta` as for betheDedx. */
export function landauParameters(T: number, mass: number, dx: number, delta?: number): { mpv: number; xi: number } {
  const gamma = 1 + T / mass, bg2 = gamma * gamma - 1, beta2 = bg2 / (gamma * gamma);
  const xi = 0.5 * K * Z_OVER_A * DENSITY * dx / beta2;
  const mpv = xi * (Math.log((2 * ELECTRON_MASS * bg2) / MEAN_EXCITATION_MEV) + Math.log(xi / MEAN_EXCITATION_MEV) + 0.2 - beta2 - (delta ?? densityEffect(Math.sqrt(bg2))));
  return { mpv: Math.max(mpv, 0), xi };
}

/** CSDA range (cm) as a function of kinetic energy, by integrating 1/(dE/dx) on a log grid. */
export class RangeTable {
  private readonly logT: Float64Array;
  private readonly range: Float64Array;
  constructor(readonly mass: number, tMin = 0.01, tMax = 1e5, n = 2000) {
    this.logT = new Float64Array(n);
    this.range = new Float64Array(n);
    let r = tMin / betheDedx(tMin, mass); // below tMin: linear approximation
    for (let i = 0; i < n; i++) {
      const lt = Math.log(tMin) + (i / (n - 1)) * Math.log(tMax / tMin);
      if (i > 0) {
        const a = Math.exp(this.logT[i - 1]), b = Math.exp(lt), m = Math.sqrt(a * b);
        r += (b - a) / 6 * (1 / betheDedx(a, mass) + 4 / betheDedx(m, mass) + 1 / betheDedx(b, mass));
      }
      this.logT[i] = lt;
      this.range[i] = r;
    }
  }
  /** Range in cm of a particle with kinetic energy T (MeV). */
  rangeOf(T: number): number {
    const x = Math.log(Math.max(T, 1e-6)), n = this.logT.length;
    if (x <= this.logT[0]) return this.range[0] * Math.max(T, 0) / Math.exp(this.logT[0]);
    if (x >= this.logT[n - 1]) return this.range[n - 1];
    const f = (x - this.logT[0]) / (this.logT[1] - this.logT[0]), i = Math.floor(f), w = f - i;
    return this.range[i] * (1 - w) + this.range[i + 1] * w;
  }
}

/** Highland's width (radians) of the projected multiple-scattering angle after x cm, for a
 *  singly charged particle of momentum p (MeV/c) and velocity beta. */
export function highlandTheta0(p: number, beta: number, x: number): number {
  const t = x / RADIATION_LENGTH_CM;
  return (13.6 / (beta * p)) * Math.sqrt(t) * (1 + 0.038 * Math.log(t / (beta * beta)));
}

/** Photon mass attenuation in argon (cm^2/g) split into Compton (+ photoelectric) and pair
 *  production, from NIST XCOM values; pair production tends to 7/9 / X0 at high energy. */
const PHOTON_E = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 1000, 1e5];
const PHOTON_COMPTON = [0.188, 0.118, 0.0798, 0.058, 0.0414, 0.0255, 0.0163, 0.0099, 0.0047, 0.0026, 0.0003, 0];
const PHOTON_PAIR = [0, 0, 0, 0, 0.0012, 0.0079, 0.0146, 0.0212, 0.0282, 0.0318, 0.0380, 0.0398];
export function photonAttenuation(E: number): { compton: number; pair: number } {
  if (E <= PHOTON_E[0]) return { compton: PHOTON_COMPTON[0], pair: 0 };
  let i = 0;
  while (i < PHOTON_E.length - 2 && E > PHOTON_E[i + 1]) i++;
  const w = Math.min(1, Math.log(E / PHOTON_E[i]) / Math.log(PHOTON_E[i + 1] / PHOTON_E[i]));
  return { compton: PHOTON_COMPTON[i] * (1 - w) + PHOTON_COMPTON[i + 1] * w, pair: PHOTON_PAIR[i] * (1 - w) + PHOTON_PAIR[i + 1] * w };
}
