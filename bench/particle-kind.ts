// A particle's kind for the held-out analyses' tables: its type, how it came about and its energy band.
import type { TrueParticle } from "../src/data/labelled-event.js";

const TYPE: Record<number, string> = { 11: "e", [-11]: "e", 22: "gamma", 13: "mu", [-13]: "mu", 211: "pi", [-211]: "pi", 2212: "p" };

export function particleKind(p: TrueParticle | undefined): string {
  if (!p) return "unknown";
  const { pdg, process, kineticMeV } = p;
  const band = kineticMeV < 50 ? "<50 MeV" : kineticMeV < 200 ? "50-200 MeV" : ">=200 MeV";
  return `${TYPE[pdg] ?? pdg} ${process} ${band}`;
}
