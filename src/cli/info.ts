import { classCounts, CLASS_NAMES } from "../data/labelled-event.js";
import { openEventFile } from "../node/open-events.js";
import { parse, UsageError } from "./args.js";

const HELP = `usage: sparsessnet info <file> [--json] [--low-energy shower|ignore]

The number of events and, per event, the number of sites and the count of each class (HIP, MIP,
shower, delta, Michel), for any file the readers accept (HDF5 PILArNet-M or sparsessnet layout,
.npz, .npy, .safetensors). Events are read one at a time.`;

export async function info(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { json: { type: "boolean" }, "low-energy": { type: "string" } }, true);
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length !== 1) throw new UsageError("give exactly one file");
  const le = values["low-energy"];
  if (le !== undefined && le !== "shower" && le !== "ignore") throw new UsageError(`--low-energy ${le}: shower or ignore`);
  const f = openEventFile(positionals[0], { lowEnergy: le as "shower" | "ignore" | undefined });
  const perEvent: { index: number; sites: number; classCounts: number[]; spatialSize: number[] }[] = [];
  const total = [0, 0, 0, 0, 0];
  try {
    for (let i = 0; i < f.count; i++) {
      const ev = f.read(i);
      const counts = ev.labels ? classCounts(ev.labels) : [0, 0, 0, 0, 0];
      counts.forEach((c, k) => { total[k] += c; });
      perEvent.push({ index: i, sites: ev.tensor.coords.length / ev.tensor.dim, classCounts: counts, spatialSize: ev.tensor.spatialSize });
    }
  } finally {
    f.close();
  }
  const sites = perEvent.reduce((a, e) => a + e.sites, 0), labelled = total.reduce((a, b) => a + b, 0);
  const fractions = total.map((c) => (labelled ? c / labelled : 0));
  if (values.json) {
    console.log(JSON.stringify({ file: positionals[0], format: f.format, events: f.count, sites, classNames: CLASS_NAMES, classCounts: total, classFractions: fractions, perEvent }));
    return 0;
  }
  console.log(`${positionals[0]}: ${f.format}, ${f.count} events, ${sites} sites`);
  console.log(`classes: ${CLASS_NAMES.map((n, k) => `${n} ${total[k]} (${(100 * fractions[k]).toFixed(2)}%)`).join(", ")}`);
  console.log(`event  sites  ${CLASS_NAMES.map((n) => n.padStart(7)).join("")}`);
  for (const e of perEvent.slice(0, 50)) console.log(`${String(e.index).padStart(5)} ${String(e.sites).padStart(6)}  ${e.classCounts.map((c) => String(c).padStart(7)).join("")}`);
  if (perEvent.length > 50) console.log(`... (${perEvent.length - 50} more; --json for all)`);
  return 0;
}
