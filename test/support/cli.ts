import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "./paths.js";

/** The command line as a user runs it (`npx sparsessnet` resolves to this file). */
export const CLI_BIN = join(PROJECT_ROOT, "bin", "sparsessnet.js");

/** Runs `sparsessnet ...args` to completion in a child process; stdout and stderr as text. */
export const runCli = (...args: string[]) => spawnSync(process.execPath, [CLI_BIN, ...args], { encoding: "utf8" });
