import { classCounts, CLASS_NAMES } from "../data/labelled-event.js";
import { createEventWriter } from "../node/event-writer.js";
import { progress } from "../node/progress.js";
import { simulateEvent, type SimConfig } from "../sim/index.js";
import { integerOpt, parse, requiredInteger, requireOpt, UsageError } from "./args.js";

const HELP = `usage: sparsessnet simulate --dim 2|3 --events N --out F [--size S] [--seed K] [options]

Generates labelled LArTPC events (particle bomb in liquid argon) and writes them to F:
.h5 (PILArNet-M layout for 3D, sparsessnet layout for 2D), .npz, or .safetensors (one event).
Event i of seed K is the same on every machine, alone or in any batch.
  --size S           3D cube side in voxels (default 512; a multiple of 16)
  --plane U|V|Y      2D wire plane (default Y); images are 1008 x 3456
  --cosmics A,B      cosmic muons per event (default 5,10 in 2D, 0,0 in 3D)
  --first I          index of the first event (default 0): shards of one set
  --layout L         HDF5 layout: pilarnet | sparse`;

export async function simulate(argv: string[]): Promise<number> {
  const { values } = parse(argv, {
    dim: { type: "string" }, events: { type: "string" }, out: { type: "string" }, size: { type: "string" }, seed: { type: "string" },
    plane: { type: "string" }, cosmics: { type: "string" }, first: { type: "string" }, layout: { type: "string" },
  });
  if (values.help) { console.log(HELP); return 0; }
  const dim = requiredInteger("dim", values.dim, 2, 3) as 2 | 3;
  const count = requiredInteger("events", values.events, 1);
  const seed = integerOpt("seed", values.seed, 1);
  const first = integerOpt("first", values.first, 0, 0);
  const size = integerOpt("size", values.size, undefined, 16);
  const cfg: SimConfig = { dim, ...(size === undefined ? {} : { size }), ...(values.plane ? { plane: values.plane as "U" | "V" | "Y" } : {}) };
  if (values.cosmics) {
    const c = String(values.cosmics).split(",").map(Number);
    if (c.length !== 2 || c.some((x) => !Number.isInteger(x))) throw new UsageError(`--cosmics ${values.cosmics}: two integers A,B`);
    cfg.cosmics = [c[0], c[1]];
  }
  if (values.layout && values.layout !== "pilarnet" && values.layout !== "sparse") throw new UsageError(`--layout ${values.layout}: pilarnet or sparse`);
  const out = requireOpt("out", values.out);
  const w = createEventWriter(out, { layout: values.layout as "pilarnet" | "sparse" | undefined });
  const bar = progress(count, "simulate", "{sites} sites/event", 100);
  const totals = [0, 0, 0, 0, 0];
  let sites = 0;
  const t0 = performance.now();
  try {
    for (let i = 0; i < count; i++) {
      const ev = simulateEvent(cfg, seed, first + i);
      w.append(ev);
      sites += ev.labels!.length;
      classCounts(ev.labels!).forEach((c, k) => { totals[k] += c; });
      bar.update(i + 1, { sites: (sites / (i + 1)).toFixed(0) });
    }
    w.close();
  } catch (e) {
    w.abort();
    throw e;
  } finally {
    bar.stop();
  }
  const s = (performance.now() - t0) / 1000;
  const labelled = totals.reduce((a, b) => a + b, 0);
  console.log(`wrote ${count} events to ${out} in ${s.toFixed(1)} s (${(count / s).toFixed(1)} events/s), ${(sites / count).toFixed(0)} sites per event`);
  console.log(`class fractions: ${CLASS_NAMES.map((n, k) => `${n} ${(100 * totals[k] / labelled).toFixed(2)}%`).join(", ")}${sites > labelled ? `; unlabelled (noise) ${(100 * (sites - labelled) / sites).toFixed(2)}%` : ""}`);
  return 0;
}
