// How much of the five-class error sits where the label itself is mixed? The generator labels
// each site by the particle that left most energy in it. Where particles of different classes share
// a site (a delta ray at the root of its muon, a muon crossing a shower, a proton beside a pion at
// the vertex, and in 2D any two particles at different heights over the same wire), the rest of
// the energy belongs to other classes, which the summed charge does not tell apart. This measures,
// on held-out events, the share of sites by their class purity (the share of the site's energy from
// particles of the label's class) and, with --model M, the model's five-class accuracy in each bin,
// where its errors fall, per true class how its accuracy differs between pure and mixed sites, and
// which particles (by kind) the errors at pure sites belong to and what they are called.
// The track/shower twin of this analysis is track-shower-purity.ts.
// Usage: node dist/bench/class-purity.js [events] [--model default-2d] [--dim 2]
//   (--dim 2: the held-out 2D images, sim:2d@1000; default 3D, sim:3d:192@1000)
import { heldOutArgs } from "./held-out-args.js";
import { CLASS_NAMES, IGNORE_LABEL, N_CLASSES } from "../src/data/labelled-event.js";
import { simulateEvent } from "../src/sim/index.js";
import { particleKind } from "./particle-kind.js";

const { events, dataName, simConfig, seed, unit, modelSource, predict } = await heldOutArgs(process.argv.slice(2));

/** Upper edges of the purity bins: below one half, another class may hold more of the site's energy
 *  than the label's own. */
const edges = [0.5, 0.8, 0.95, 0.999, Infinity];
const names = ["below 0.5", "0.5-0.8", "0.8-0.95", "0.95-0.999", "pure (0.999+)"];
const PURE = edges.length - 1;
const sites = edges.map(() => 0), wrong = edges.map(() => 0);
/** Per true class: [pure sites, their errors, mixed sites, their errors]. */
const perClass = Array.from({ length: N_CLASSES }, () => [0, 0, 0, 0]);
/** Errors at mixed sites by (true, predicted) class. */
const mixedConfusion = Array.from({ length: N_CLASSES }, () => new Array<number>(N_CLASSES).fill(0));
/** Pure sites by the labelled particle's kind: sites, errors, errors by predicted class. */
const pureByKind = new Map<string, { sites: number; wrong: number; called: number[] }>();
let total = 0;

for (let e = 0; e < events; e++) {
  const ev = simulateEvent(simConfig, seed, e);
  const labels = ev.labels!, purity = ev.classPurity!;
  const predicted = predict?.(ev.tensor);
  const particles = new Map(ev.particles!.map((p) => [p.id, p]));
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    // Noise-only pixels (2D) carry no label.
    if (l === IGNORE_LABEL) continue;
    total++;
    const b = edges.findIndex((x) => purity[i] < x);
    const miss = predicted !== undefined && predicted[i] !== l ? 1 : 0;
    sites[b]++;
    wrong[b] += miss;
    const c = perClass[l], k = b === PURE ? 0 : 2;
    c[k]++;
    c[k + 1] += miss;
    if (miss && b !== PURE) mixedConfusion[l][predicted![i]]++;
    if (predicted && b === PURE) {
      const key = `${CLASS_NAMES[l]}: ${particleKind(particles.get(ev.instances![i]))}`;
      let t = pureByKind.get(key);
      if (!t) pureByKind.set(key, t = { sites: 0, wrong: 0, called: new Array<number>(N_CLASSES).fill(0) });
      t.sites++;
      t.wrong += miss;
      if (miss) t.called[predicted[i]]++;
    }
  }
}

const pct = (a: number, b: number) => `${((100 * a) / Math.max(1, b)).toFixed(1)}%`;
const errors = wrong.reduce((a, b) => a + b, 0);
console.log(`${events} events (${dataName}), ${total} labelled ${unit}s, ${pct(total - sites[PURE], total)} of them mixed (class purity below 0.999)` +
  (predict ? `; ${modelSource}: five-class accuracy ${pct(total - errors, total)}` : ""));
console.log(`\n| class purity | share of ${unit}s |${predict ? " five-class accuracy there | share of the errors |" : ""}`);
console.log(`|---|---|${predict ? "---|---|" : ""}`);
names.forEach((n, b) => {
  const row = [n, pct(sites[b], total)];
  if (predict) row.push(pct(sites[b] - wrong[b], sites[b]), pct(wrong[b], errors));
  console.log(`| ${row.join(" | ")} |`);
});
console.log(`\n| true class | ${unit}s | mixed |${predict ? " accuracy at pure | at mixed | share of the errors at mixed |" : ""}`);
console.log(`|---|---|---|${predict ? "---|---|---|" : ""}`);
perClass.forEach(([pure, pureWrong, mixed, mixedWrong], l) => {
  const row = [CLASS_NAMES[l], String(pure + mixed), pct(mixed, pure + mixed)];
  if (predict) row.push(pct(pure - pureWrong, pure), pct(mixed - mixedWrong, mixed), pct(mixedWrong, pureWrong + mixedWrong));
  console.log(`| ${row.join(" | ")} |`);
});
if (predict) {
  const pureWrong = wrong[PURE], mixedWrong = errors - pureWrong;
  // Two bounds on what the model could reach on these sites, each keeping the other part as it is.
  console.log(`\nWith every mixed ${unit} right: ${pct(total - pureWrong, total)}; with every pure ${unit} right: ${pct(total - mixedWrong, total)}.`);
  console.log(`\nErrors at mixed ${unit}s, true (rows) against predicted (columns), share of all errors:`);
  console.log(`| true \\ predicted | ${CLASS_NAMES.join(" | ")} |`);
  console.log(`|---|${CLASS_NAMES.map(() => "---").join("|")}|`);
  mixedConfusion.forEach((r, l) => console.log(`| ${CLASS_NAMES[l]} | ${r.map((x) => pct(x, errors)).join(" | ")} |`));
}
if (predict) {
  console.log(`\nErrors at pure ${unit}s by the labelled particle (label: type, how it came about, energy at creation), the 12 with most:`);
  console.log(`| particle | pure ${unit}s | accuracy there | share of all errors | called (share of its errors) |`);
  console.log("|---|---|---|---|---|");
  for (const [key, t] of [...pureByKind].sort((a, b) => b[1].wrong - a[1].wrong).slice(0, 12)) {
    const called = t.called.map((x, c) => [x, c]).filter(([x]) => x > 0).sort((a, b) => b[0] - a[0])
      .map(([x, c]) => `${CLASS_NAMES[c]} ${pct(x, t.wrong)}`).join(", ");
    console.log(`| ${key} | ${t.sites} | ${pct(t.sites - t.wrong, t.sites)} | ${pct(t.wrong, errors)} | ${called} |`);
  }
}
