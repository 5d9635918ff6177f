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

/** A number flag's text -> the number; "" and words are NaN (Number("") would be 0). */
function parseNumber(value: unknown): number {
  return typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
}

function inRange(what: string, min: number, max: number): string {
  if (min > -Infinity && max < Infinity) return `${what} from ${min} to ${max}`;
  if (min > -Infinity) return `${what} >= ${min}`;
  if (max < Infinity) return `${what} <= ${max}`;
  return what;
}

function readNumber<F extends number | undefined>(flag: string, value: unknown, fallback: F, accepts: (x: number) => boolean, expected: string): number | F {
  if (value === undefined) return fallback;
  const x = parseNumber(value);
  if (!accepts(x)) throw new UsageError(`--${flag} ${value}: expected ${expected}`);
  return x;
}

/**
 * An integer flag in [min, max]: `fallback` when absent, else the number, or a UsageError that names the flag, what
 * was given and what it takes. With numberOpt and positiveNumberOpt, the one way the verbs read number flags, so
 * "abc" or "2.5" never becomes a NaN or a silent truncation further in.
 */
export function integerOpt<F extends number | undefined>(flag: string, value: unknown, fallback: F, min = -Infinity, max = Infinity): number | F {
  return readNumber(flag, value, fallback, (x) => Number.isInteger(x) && x >= min && x <= max, inRange("an integer", min, max));
}

/** A flag that must be given and be an integer in [min, max]. */
export function requiredInteger(flag: string, value: unknown, min = -Infinity, max = Infinity): number {
  return integerOpt(flag, requireOpt(flag, value), NaN, min, max);
}

/** A finite number flag in [min, max]. */
export function numberOpt<F extends number | undefined>(flag: string, value: unknown, fallback: F, min = -Infinity, max = Infinity): number | F {
  return readNumber(flag, value, fallback, (x) => Number.isFinite(x) && x >= min && x <= max, inRange("a number", min, max));
}

/** A finite number flag above 0 (a rate, a time). */
export function positiveNumberOpt<F extends number | undefined>(flag: string, value: unknown, fallback: F): number | F {
  return readNumber(flag, value, fallback, (x) => Number.isFinite(x) && x > 0, "a number > 0");
}

export function requireOpt<T>(flag: string, v: T | undefined): T {
  if (v === undefined) throw new UsageError(`--${flag} is required (see --help)`);
  return v;
}
