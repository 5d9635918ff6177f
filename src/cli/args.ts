// Shared argument handling for the verbs: node's util.parseArgs with --help on every verb.

import { parseArgs, type ParseArgsConfig } from "node:util";
import { SparseSSNetError } from "../errors.js";

export class UsageError extends SparseSSNetError {
  constructor(message: string) { super("USAGE", message); }
}

export type Options = NonNullable<ParseArgsConfig["options"]>;

/** Parsed flags: strings for string options, booleans for boolean ones. */
export interface Parsed { values: Record<string, string | boolean | undefined> & Record<string, any>; positionals: string[] }

export function parse(argv: string[], options: Options, allowPositionals = false): Parsed {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals, strict: true }) as Parsed;
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** "a,b[,c]" -> numbers, with a message naming the flag when malformed. */
export function numberList(flag: string, value: string | undefined, length?: number[]): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = value.split(",").map((s) => Number(s.trim()));
  if (parts.some((p) => !Number.isFinite(p)) || (length && !length.includes(parts.length))) {
    throw new UsageError(`--${flag} ${value}: expected ${length ? length.join(" or ") : "a list of"} comma-separated numbers`);
  }
  return parts;
}

export function requireOpt<T>(flag: string, v: T | undefined): T {
  if (v === undefined) throw new UsageError(`--${flag} is required (see --help)`);
  return v;
}
