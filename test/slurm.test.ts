// A real Slurm cluster (Debian slurm-wlm + munge, one node on loopback): a job array of 4 shards
// runs the portable bundle over a simulated file of a few hundred events; the merged output must
// hold every event exactly once and equal a single-process run bit for bit.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { readPredictions } from "../src/io/predictions.js";
import { createEventWriter } from "../src/node/event-writer.js";
import { simulateEvent } from "../src/sim/index.js";
import { PROJECT_ROOT } from "./support/paths.js";

const dir = mkdtempSync(join(tmpdir(), "sparsessnet-slurm-"));
const state = join(dir, "cluster");
const scripts = join(PROJECT_ROOT, "scripts", "slurm");
after(() => { execFileSync(join(scripts, "stop-cluster.sh"), [state], { stdio: "ignore" }); });

test("a Slurm job array of 4 shards segments every event exactly once, bit-identical to one process", { timeout: 600_000 }, () => {
  const conf = execFileSync(join(scripts, "start-cluster.sh"), [state], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim().split("\n").pop()!;
  const env = { ...process.env, SLURM_CONF: conf };
  execFileSync("npm", ["run", "bundle"], { cwd: PROJECT_ROOT, stdio: "ignore" });
  const bundle = join(dir, "bundle");
  cpSync(join(PROJECT_ROOT, "dist", "bundle"), bundle, { recursive: true });
  const events = join(dir, "events.h5"), model = join(dir, "m.safetensors"), out = join(dir, "out");
  mkdirSync(out);
  const w = createEventWriter(events);
  for (let i = 0; i < 300; i++) w.append(simulateEvent({ dim: 3, size: 64 }, 21, i));
  w.close();
  execFileSync(process.execPath, [join(bundle, "sparsessnet.mjs"), "init-weights", "--dim", "3", "--filters", "8", "--depth", "3", "--out", model], { stdio: "ignore" });
  execFileSync("sbatch", ["--wait", "--array=0-3", `--output=${join(out, "task-%A_%a.log")}`, `--chdir=${dir}`,
    `--export=ALL,BUNDLE=${join(bundle, "sparsessnet.mjs")},MODEL=${model},INPUT=${events},OUTDIR=${out}`, join(scripts, "segment-array.sbatch")], { env, stdio: "ignore" });
  const logs = readdirSync(out).filter((f) => f.startsWith("task-")).map((f) => readFileSync(join(out, f), "utf8"));
  assert.equal(logs.length, 4);
  const tasks = logs.map((l) => /task (\d+) of job (\d+)/.exec(l)!);
  assert.deepEqual(tasks.map((m) => Number(m[1])).sort(), [0, 1, 2, 3]);
  assert.equal(new Set(tasks.map((m) => m[2])).size, 1, "one array job");
  const merged = join(dir, "all.h5");
  execFileSync(process.execPath, [join(bundle, "sparsessnet.mjs"), "merge", "--input", events, "--out", merged, ...[0, 1, 2, 3].map((k) => join(out, `shard-${k}.h5`))], { stdio: "ignore" });
  const single = join(dir, "single.h5");
  execFileSync(process.execPath, [join(PROJECT_ROOT, "bin", "sparsessnet.js"), "segment", "--model", model, "--input", events, "--out", single, "--workers", "1"], { stdio: "ignore" });
  const a = readPredictions(merged), b = readPredictions(single);
  assert.equal(a.length, 300);
  assert.deepEqual(a.map((p) => p.eventIndex), [...Array(300).keys()]);
  a.forEach((p, i) => { assert.deepEqual(p.labels, b[i].labels, `event ${i}`); assert.deepEqual(p.scores, b[i].scores, `event ${i}`); });
});
