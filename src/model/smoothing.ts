// Neighbour smoothing: the decision stage of a model whose config has `smoothing`. The network's
// softmax scores at each site are mixed with the mean scores of the active sites around it (every
// site within Chebyshev distance `radius`, the site itself left out), share `share` to the
// neighbours, then multiplied by e^constant per class; the label is the largest class. The
// reported scores are these, normalised; the logits stay the network's.
//
// Why (session 58, models/README.md "Averaging scores over neighbours"): the shipped models label
// some sites against what the particle around them is labelled, and a fixed mix with the
// neighbourhood mends more of those than it breaks. One mix over a radius of 3 sites beat any
// number of repeated radius-1 mixes, which diffuse: thin delta rays beside their tracks were washed
// out. The mix takes a little from delta rays in 2D; the constants, fitted after the mix by
// `calibrate --smooth`, give it back, as the constants added to the logits do for a model without it.
// assembly/smoothing.ts does it in the engine, after the network, on every backend; its sums are in
// a fixed order, so the same event gives the same bits everywhere.

import { z } from "zod";

export const SmoothingSchema = z.object({
  /** Neighbours are the active sites within this Chebyshev distance (1: the 3^dim neighbourhood). */
  radius: z.number().int().min(1).max(4),
  /** Share of the neighbours' mean in the mix, (0, 1]. */
  share: z.number().gt(0).max(1),
  /** Per class, added to the log of the mixed scores (a factor e^constant); default all 0. */
  constants: z.array(z.number().finite()).optional(),
}).strict();

export interface Smoothing { radius: number; share: number; constants: number[] }

/** The mix of radius and share with every constant 0: what a model gets before its constants are
 *  fitted (`calibrate`, and a run trained through the mix). */
export function unfittedSmoothing(mix: { radius: number; share: number }, classes: number): Smoothing {
  return { radius: mix.radius, share: mix.share, constants: new Array<number>(classes).fill(0) };
}
