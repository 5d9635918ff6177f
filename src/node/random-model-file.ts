import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ModelConfig } from "../model/config.js";
import { resourceRoot } from "./resource-root.js";

/** A model file with seeded random weights for `config` (what `init-weights` writes), cached in
 *  the temp directory. A separate process writes it, so that generating the weights does not
 *  count in the peak memory of the process that then loads the file as a user would. */
export function randomModelFile(config: ModelConfig, seed: number): string {
  const key = createHash("sha256").update(JSON.stringify({ config, seed })).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), "sparsessnet-random-models");
  const file = join(dir, `${key}.safetensors`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const cfgFile = join(dir, `${key}.${process.pid}.json`), part = join(dir, `${key}.${process.pid}.part`);
  writeFileSync(cfgFile, JSON.stringify(config));
  const bin = existsSync(join(resourceRoot(), "bin", "sparsessnet.js")) ? join(resourceRoot(), "bin", "sparsessnet.js") : process.argv[1];
  const r = spawnSync(process.execPath, [bin, "init-weights", "--config", cfgFile, "--out", part, "--seed", String(seed)], { encoding: "utf8" });
  rmSync(cfgFile, { force: true });
  if (r.status !== 0) throw new Error(`init-weights failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`);
  renameSync(part, file); // whole files only, even with several benchmarks starting at once
  return file;
}
