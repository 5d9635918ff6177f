// --smooth R,A, read alike by calibrate (the decision stage a model is given) and train (the mix the
// loss is taken through): radius and share in the ranges the model config takes.

import { type Smoothing, SmoothingSchema } from "../model/smoothing.js";
import { UsageError } from "./args.js";

/** --smooth R,A: radius R and share A, in the ranges the model config takes (SmoothingSchema); none: no mix. */
export function smoothingFlag(spec: string): Smoothing | undefined {
  if (spec.trim() === "none") return undefined;
  const parts = spec.split(",").map((p) => p.trim());
  const parsed = SmoothingSchema.safeParse({ radius: Number(parts[0]), share: Number(parts[1]) });
  if (parts.length !== 2 || parts.some((p) => p === "") || !parsed.success) {
    throw new UsageError(`--smooth ${spec}: expected RADIUS,SHARE with RADIUS an integer from 1 to 4 and SHARE in (0, 1], or none`);
  }
  return { radius: parsed.data.radius, share: parsed.data.share, constants: [] };
}
