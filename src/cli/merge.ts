import { openEventFile } from "../node/open-events.js";
import { mergePredictions } from "../io/predictions.js";
import { integerOpt, parse, requireOpt, UsageError } from "./args.js";

const HELP = `usage: sparsessnet merge --out ALL.h5 (--input EVENTS | --expect N) [--scores f16|f32] SHARD.h5 ...

Joins the prediction files of shards into one, ordered by event index, after checking that every
event of the input (0 .. N-1) appears exactly once: duplicates and gaps are refused by name.`;

export async function merge(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, { out: { type: "string" }, input: { type: "string" }, expect: { type: "string" }, scores: { type: "string" } }, true);
  if (values.help) { console.log(HELP); return 0; }
  if (!positionals.length) throw new UsageError("give the shard files to merge");
  let n: number;
  if (values.input) { const f = openEventFile(values.input as string); n = f.count; f.close(); }
  else n = integerOpt("expect", requireOpt("expect (or --input)", values.expect), NaN, 0);
  const scores = (values.scores ?? "f32") as "f16" | "f32";
  if (scores !== "f16" && scores !== "f32") throw new UsageError(`--scores ${values.scores}: f16 or f32`);
  const out = requireOpt("out", values.out);
  const r = mergePredictions(positionals, out, n, scores);
  console.log(`merged ${positionals.length} file(s): ${r.events} events, each exactly once; wrote ${out}`);
  return 0;
}
