// The portable bundle: copied alone to a directory with no node_modules above it, it runs the CLI
// (worker pool and intra-event threads included) and gives the same bits as the installed CLI.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readPredictions } from "../src/io/predictions.js";
import { createEventWriter } from "../src/node/event-writer.js";
import { simulateEvent } from "../src/sim/index.js";
import { parseSafetensors } from "../src/weights/safetensors.js";
import { PROJECT_ROOT } from "./support/paths.js";

test("the bundle runs from a bare directory with only node, bit-identical to the installed CLI", () => {
  execFileSync("npm", ["run", "bundle"], { cwd: PROJECT_ROOT, stdio: "ignore" });
  const dir = mkdtempSync(join(tmpdir(), "sparsessnet-portable-"));
  cpSync(join(PROJECT_ROOT, "dist", "bundle"), dir, { recursive: true });
  const portable = (...a: string[]) => execFileSync(process.execPath, [join(dir, "sparsessnet.mjs"), ...a], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  const installed = (...a: string[]) => execFileSync(process.execPath, [join(PROJECT_ROOT, "bin", "sparsessnet.js"), ...a], { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  assert.match(portable("--help"), /usage: sparsessnet <verb>/);
  portable("init-weights", "--dim", "3", "--filters", "8", "--depth", "3", "--out", "m.safetensors");
  const w = createEventWriter(join(dir, "events.h5"));
  for (let i = 0; i < 12; i++) w.append(simulateEvent({ dim: 3, size: 64 }, 9, i));
  w.close();
  portable("segment", "--model", "m.safetensors", "--input", "events.h5", "--out", "a.h5", "--workers", "2");
  installed("segment", "--model", "m.safetensors", "--input", "events.h5", "--out", "b.h5", "--workers", "1");
  const a = readPredictions(join(dir, "a.h5")), b = readPredictions(join(dir, "b.h5"));
  assert.equal(a.length, 12);
  a.forEach((p, i) => { assert.deepEqual(p.labels, b[i].labels); assert.deepEqual(p.scores, b[i].scores); });
  // One event with intra-event threads.
  portable("simulate", "--dim", "3", "--size", "64", "--events", "1", "--out", "one.safetensors");
  portable("segment", "--model", "m.safetensors", "--event", "one.safetensors", "--out", "t.safetensors", "--threads", "2");
  installed("segment", "--model", "m.safetensors", "--event", "one.safetensors", "--out", "u.safetensors");
  const lt = parseSafetensors(new Uint8Array(readFileSync(join(dir, "t.safetensors")))).tensors.get("logits")!.bytes;
  const lu = parseSafetensors(new Uint8Array(readFileSync(join(dir, "u.safetensors")))).tensors.get("logits")!.bytes;
  assert.deepEqual(lt, lu);
});
