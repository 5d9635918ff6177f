// The whole benchmark suite (`npm run bench`): every inference event of shared/bench-events at 16
// and 32 filters, each configuration in a fresh process (so peak RSS is its own), in the default
// deterministic mode, the fast mode and with 2 threads; the kernel microbenchmarks; and the worker
// pool's throughput. Writes bench/results/report.json and report.md and prints the table.
// Options: --events a,b  --filters 16,32  --modes det,fast,threads2  --runs N  --passes P  --quick
//   --scn PYTHON: also time SparseConvNet itself on each event and filter count, on this machine in
//   the same run (bench/scn/time_scn.py, a fresh PYTHON process each; bench/scn/README.md), and
//   compare with that time as well as with the recorded one.
import { execFileSync } from "node:child_process";
import { cpus } from "node:os";
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { integerOpt, parse } from "../src/cli/args.js";
import { gflopsNeededForHalf, type BenchReport } from "../src/cli/bench.js";
import { formatTrainBench, type TrainBenchReport } from "../src/cli/bench-train.js";
import { sharedDir } from "../src/node/shared-dir.js";
import { bestDeterministicGflops } from "./kernels.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values } = parse(process.argv.slice(2), {
  events: { type: "string" }, filters: { type: "string" }, modes: { type: "string" }, runs: { type: "string" }, quick: { type: "boolean" }, scn: { type: "string" }, passes: { type: "string" },
});
if (values.help) {
  console.log("usage: npm run bench -- [--events a,b] [--filters 16,32] [--modes det,fast,threads2] [--runs N] [--passes P] [--quick] [--scn PYTHON]");
  process.exit(0);
}
const eventsDir = join(sharedDir(), "bench-events");
const events = values.events?.split(",") ?? readdirSync(eventsDir).filter((e) => existsSync(join(eventsDir, e, "event.safetensors")) && !e.includes("train"));
const filters = ((values.filters as string | undefined) ?? "16,32").split(",").map((f) => integerOpt("filters", f.trim(), 0, 1));
const modes = (values.modes ?? (values.quick ? "det" : "det,fast,threads2")).split(",");
const runs = String(integerOpt("runs", values.runs, values.quick ? 1 : 5, 1));
const node = [process.execPath, "--experimental-wasm-relaxed-simd"];
const bin = join(root, "bin", "sparsessnet.js");

/** One SparseConvNet measurement (bench/scn/time_scn.py) in a fresh --scn Python process. */
function timeScn(args: string[]): { median_s: number; peak_rss_mib: number } {
  try {
    const out = execFileSync(values.scn!, [join(root, "bench", "scn", "time_scn.py"), ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return JSON.parse(out.trim().split("\n").pop()!);
  } catch (e) {
    const stderr = String((e as { stderr?: string }).stderr ?? (e as Error).message).trim().split("\n").pop();
    throw new Error(`--scn ${values.scn}: bench/scn/time_scn.py ${args.join(" ")} failed (${stderr}); SparseConvNet's CPU build must be importable by that Python: see bench/scn/README.md`);
  }
}

/** SparseConvNet's time measured here, in this run (--scn). */
interface ScnHere { scn_here_median_s: number; ratio_to_scn_here: number; scn_here_peak_rss_mib: number; scn_here_pass_medians_s: number[] }
const rows: (BenchReport & { config: string; pass_medians_s: number[] } & Partial<ScnHere>)[] = [];
// Passes: the whole list of configurations is run `passes` times, one after the other, and each
// configuration keeps the report of its middle pass (median of the pass medians). On a shared VM the
// speed drifts over minutes; a configuration measured at three different times is not at the mercy
// of one slow minute, and SparseConvNet's time here is taken the same way.
const passes = integerOpt("passes", values.passes, 1, 1);
const scnRuns = new Map<string, { median_s: number; peak_rss_mib: number }[]>();
const ourRuns = new Map<string, BenchReport[]>();
type KernelRate = { kernel: string; channels: number; gflops: number };
const kernelPasses: KernelRate[][] = [];
for (let pass = 1; pass <= passes; pass++) {
  for (const ev of events) {
    for (const f of filters) {
      if (values.scn !== undefined) {
        const r = timeScn([join(eventsDir, ev), String(f), runs]);
        scnRuns.set(`${ev}/${f}`, [...(scnRuns.get(`${ev}/${f}`) ?? []), r]);
        console.error(`pass ${pass}: ${ev} m${f} SparseConvNet here: ${(r.median_s * 1000).toFixed(1)} ms`);
      }
      for (const mode of modes) {
        const extra = mode === "fast" ? ["--fast"] : mode === "threads2" ? ["--threads", "2"] : [];
        const out = execFileSync(node[0], [...node.slice(1), bin, "bench", "--event", join(eventsDir, ev), "--filters", String(f), "--runs", runs, "--json", ...extra], { encoding: "utf8" });
        const r = JSON.parse(out.trim().split("\n").pop()!) as BenchReport;
        ourRuns.set(`${ev}/${f}/${mode}`, [...(ourRuns.get(`${ev}/${f}/${mode}`) ?? []), r]);
        console.error(`pass ${pass}: ${ev} m${f} ${mode}: ${(r.median_s * 1000).toFixed(1)} ms${r.ratio_to_scn !== null ? ` (x${r.ratio_to_scn.toFixed(2)} of SparseConvNet recorded)` : ""}`);
      }
    }
  }
  // The microkernels too run once per pass, so that they are compared with the network's
  // convolutions measured over the same stretch of time (see "Best deterministic microkernel").
  if (!values.quick) {
    kernelPasses.push(JSON.parse(execFileSync(node[0], [...node.slice(1), join(root, "dist", "bench", "kernels.js"), "--json"], { encoding: "utf8" }).trim().split("\n").pop()!) as KernelRate[]);
    console.error(`pass ${pass}: kernel microbenchmarks done`);
  }
}
/** The middle one by median time (the lower middle for an even count). */
const middle = <T extends { median_s: number }>(xs: T[]): T => [...xs].sort((a, b) => a.median_s - b.median_s)[(xs.length - 1) >> 1];
for (const ev of events) {
  for (const f of filters) {
    const scnPasses = scnRuns.get(`${ev}/${f}`);
    const scnHere = scnPasses && middle(scnPasses);
    for (const mode of modes) {
      const ours = ourRuns.get(`${ev}/${f}/${mode}`)!;
      const r = middle(ours);
      const here = scnHere && { scn_here_median_s: scnHere.median_s, ratio_to_scn_here: r.median_s / scnHere.median_s, scn_here_peak_rss_mib: scnHere.peak_rss_mib, scn_here_pass_medians_s: scnPasses!.map((x) => x.median_s) };
      rows.push({ ...r, config: mode, pass_medians_s: ours.map((x) => x.median_s), ...here });
    }
  }
}

// Each microkernel's rate: the median over the passes (with the pass rates in the report).
const kernels = (kernelPasses[0] ?? []).map((k0, i) => {
  const rates = kernelPasses.map((p) => p[i].gflops);
  return { ...k0, gflops: [...rates].sort((a, b) => a - b)[(rates.length - 1) >> 1], pass_gflops: rates };
});
const bestDet = bestDeterministicGflops(kernels);
const pool = values.quick ? "" : execFileSync(node[0], [join(root, "dist", "bench", "pool-throughput.js"), "2d-1008x3456-17k", "40"], { encoding: "utf8" });
const batch = values.quick ? "" : execFileSync(node[0], [join(root, "dist", "bench", "batch-throughput.js")], { encoding: "utf8" });
// Training step on 1 and 2 threads (JSON from the CLI, printed with the CLI's own formatter), and
// with --scn SparseConvNet's step measured here.
const trainRuns = values.quick ? [] : [1, 2].map((t) => JSON.parse(execFileSync(node[0], [...node.slice(1), bin, "bench", "--train", "--threads", String(t), "--json"], { encoding: "utf8" }).trim().split("\n").pop()!) as TrainBenchReport);
let train = trainRuns.map((r) => formatTrainBench(r) + "\n").join("");
if (trainRuns.length && values.scn !== undefined) {
  const scnTrain = timeScn([join(eventsDir, "2d-512-train-batch8"), "16", "5", "--train"]);
  const ratios = trainRuns.map((r) => `${r.threads} thread(s) ${(r.median_s / scnTrain.median_s).toFixed(2)}`);
  train += `SparseConvNet here (CPU, 1 thread, measured in this run): ${(scnTrain.median_s * 1000).toFixed(1)} ms per iteration; ratios ${ratios.join(", ")}\n`;
}

const msList = (xs: number[]) => xs.map((x) => (x * 1000).toFixed(0)).join("/");
const det = rows.filter((r) => r.config === "det");
const measuredHere = rows.some((r) => r.scn_here_median_s !== undefined);
// Time per site is compared within a dimension: a 3D site has up to 27 neighbours, a 2D one 9.
const spread = (m: number, dim: "2d" | "3d") => {
  const us = det.filter((r) => r.filters === m && r.event.startsWith(dim)).map((r) => r.per_site_us);
  return us.length > 1 ? `${Math.min(...us).toFixed(2)}-${Math.max(...us).toFixed(2)} µs, largest/smallest ${(Math.max(...us) / Math.min(...us)).toFixed(2)}` : us.length ? `${us[0].toFixed(2)} µs (one event)` : "-";
};
const md: string[] = [
  `# sparsessnet benchmark report`, "",
  `${new Date().toISOString()}, node ${process.version}, ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores), ${runs} runs per configuration (median), ${passes > 1 ? `${passes} passes over all configurations (each keeps its middle pass), ` : ""}random weights, each configuration in a fresh process.`, "",
  "GFLOP/s count every multiply-add of the rulebooks, also those the channel-sparse kernel skips because the input is zero (dense-equivalent).", "",
  ...rows.filter((r) => r.scn_cpu_note !== null).slice(0, 1).map((r) => `**Note:** ${r.scn_cpu_note}.\n`),
  ...(measuredHere ? ["SparseConvNet recorded: its time in shared/bench-events (recorded on the reference machine). SparseConvNet here: measured on this machine in this run (`--scn`, bench/scn/time_scn.py), in a fresh process before our configurations of that event, in every pass.", ""] : []),
  ...(passes > 1 ? ["Passes: the medians of every pass (ms), ours then SparseConvNet's here; the table gives the middle one.", ""] : []),
  `| event | sites | filters | mode | ours (ms) | SparseConvNet recorded (ms) | ratio |${measuredHere ? " SparseConvNet here (ms) | ratio here |" : ""} GFLOP/s | conv GFLOP/s | peak RSS (MiB) | wasm (MiB) | µs/site | start-up (ms) |${passes > 1 ? " passes (ms) |" : ""}`,
  `|---|---|---|---|---|---|---|${measuredHere ? "---|---|" : ""}---|---|---|---|---|---|${passes > 1 ? "---|" : ""}`,
  ...rows.map((r) => `| ${r.event} | ${r.nActive} | ${r.filters} | ${r.config} | ${(r.median_s * 1000).toFixed(1)} | ${r.scn_median_s !== null ? (r.scn_median_s * 1000).toFixed(1) : "-"} | ${r.ratio_to_scn !== null ? r.ratio_to_scn.toFixed(2) : "-"} |${measuredHere ? ` ${r.scn_here_median_s !== undefined ? (r.scn_here_median_s * 1000).toFixed(1) : "-"} | ${r.ratio_to_scn_here?.toFixed(2) ?? "-"} |` : ""} ${r.effective_gflops.toFixed(1)} | ${r.conv_gflops.toFixed(1)} | ${r.peak_rss_mib.toFixed(0)} | ${r.wasm_memory_mib.toFixed(0)} | ${r.per_site_us.toFixed(2)} | ${r.startup_ms.toFixed(0)} |${passes > 1 ? ` ${msList(r.pass_medians_s)}${r.scn_here_pass_medians_s ? `; ${msList(r.scn_here_pass_medians_s)}` : ""} |` : ""}`),
  "",
  `Time per active site, deterministic: 3D 16 filters ${spread(16, "3d")}; 3D 32 filters ${spread(32, "3d")}; 2D 16 filters ${spread(16, "2d")}; 2D 32 filters ${spread(32, "2d")}.`,
];
if (kernels.length) {
  md.push("", "## Convolution microkernel (synthetic local rulebook, 9 offsets, 20k outputs, half of the inputs zero)", "",
    `Median over the ${kernelPasses.length} pass(es), each run at the end of its pass${kernelPasses.length > 1 ? " (every pass's rate in the last column)" : ""}.`, "",
    "| kernel | channels | GFLOP/s | passes |", "|---|---|---|---|",
    ...kernels.map((k) => `| ${k.kernel} | ${k.channels} | ${k.gflops.toFixed(1)} | ${k.pass_gflops.map((g) => g.toFixed(1)).join("/")} |`), "",
    `Best deterministic microkernel: ${bestDet.toFixed(1)} GFLOP/s. In-network convolutions (deterministic, 1 thread): ` +
    det.map((r) => `${r.event} m${r.filters} ${r.conv_gflops.toFixed(1)} (${((100 * r.conv_gflops) / bestDet).toFixed(0)}%)`).join(", ") + ".");
}
if (kernels.length) {
  // Per multiply-add really done, nothing in this engine is faster than the dense microkernel on
  // L1-resident data; the channel-sparse one does fewer of them at a higher cost each.
  const denseBest = Math.max(0, ...kernels.filter((k) => k.kernel === "conv simd deterministic").map((k) => k.gflops));
  const sparseReal = Math.max(0, ...kernels.filter((k) => k.kernel.includes("channel-sparse")).map((k) => k.gflops / 2));
  md.push("", "## What half of SparseConvNet's time would take (deterministic, 1 thread)", "",
    `The convolutions skip zero inputs, so they do only part of the rulebooks' multiply-adds. The rate they would need on those is compared with the fastest rate per multiply-add done of any kernel here: the dense microkernel at ${denseBest.toFixed(1)} GFLOP/s (the channel-sparse one does ${sparseReal.toFixed(1)} per multiply-add done on half-zero inputs). Everything else in the network is kept at its measured time.${measuredHere ? " SparseConvNet's time is the one measured here, in this run." : ""}`, "",
    "| event | filters | ratio | multiply-adds done | conv GFLOP/s (done) | needed for 0.5× | needed / best kernel |", "|---|---|---|---|---|---|---|",
    ...det.map((r) => {
      const need = r.scn_here_median_s === undefined ? r.conv_executed_gflops_needed_for_half
        : gflopsNeededForHalf(r.median_s, r.conv_s, r.conv_executed_multiply_adds, r.scn_here_median_s);
      const ratio = r.ratio_to_scn_here ?? r.ratio_to_scn;
      // null (after JSON) or Infinity: no SparseConvNet time, or not even instant convolutions would do.
      const reachable = need !== null && Number.isFinite(need);
      const needS = reachable ? need.toFixed(1) : r.scn_median_s === null && r.scn_here_median_s === undefined ? "-" : "out of reach";
      const rel = reachable ? (need / denseBest).toFixed(2) : "-";
      return `| ${r.event} | ${r.filters} | ${ratio?.toFixed(2) ?? "-"} | ${(100 * r.conv_executed_fraction).toFixed(0)}% | ${r.conv_executed_gflops.toFixed(1)} | ${needS} | ${rel} |`;
    }));
}
if (pool) md.push("", "## Worker pool", "", "```", pool.trim(), "```");
if (batch) md.push("", "## Files of events (segment --input): events/s with 1 and 2 workers", "", "```", batch.trim().split("\n").filter((l) => !l.startsWith("{")).join("\n"), "```");
if (train) md.push("", "## Training step (bench --train)", "", "```", train.trim(), "```");
const outDir = join(root, "bench", "results");
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "report.json"), JSON.stringify({ rows, kernels, pool, batch, train, trainRuns }, null, 1));
writeFileSync(join(outDir, "report.md"), md.join("\n") + "\n");
console.log(md.join("\n"));
