import { readFileSync } from "node:fs";
import { COLOURINGS, renderEventDisplay, type Colouring } from "../display/event-display.js";
import { loadModel } from "../node/model-io.js";
import { openEventFile } from "../node/open-events.js";
import { writePng } from "../node/png.js";
import { lossWeights, WEIGHTING_SCHEMES, type WeightingScheme } from "../train/loss-weights.js";
import { parseSafetensors, typed } from "../weights/safetensors.js";
import { integerOpt, parse, requireOpt, UsageError } from "./args.js";
import { engineFromFlags } from "./engine-flags.js";

const HELP = `usage: sparsessnet display <event file> --out F.png [--event I] [--model M | --predictions P]
                          [--colour-by energy,truth,prediction,correctness,weights] [--weighting S] [--crop]

Draws an event as a PNG: a 2D image, or a 3D event as three projections (xy, xz, yz), one row of
panels per colouring, with a class legend and scales.
  --model M        segment the event with M (default-2d, default-3d or a file) for prediction/correctness
  --predictions P  or take the labels from a segment output (safetensors with "labels")
  --weighting S    loss weights for the "weights" colouring (${WEIGHTING_SCHEMES.join(", ")}; default sparsessnet)
  --crop           zoom on the active sites`;

export async function display(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, {
    out: { type: "string" }, event: { type: "string" }, model: { type: "string" }, predictions: { type: "string" },
    "colour-by": { type: "string" }, weighting: { type: "string" }, crop: { type: "boolean" },
  }, true);
  if (values.help) { console.log(HELP); return 0; }
  if (positionals.length !== 1) throw new UsageError("give exactly one event file");
  const out = requireOpt("out", values.out);
  const f = openEventFile(positionals[0]);
  const index = integerOpt("event", values.event, 0, 0, f.count - 1);
  const ev = f.read(index);
  f.close();
  let predictions: Uint8Array | undefined;
  if (values.model) {
    const mf = loadModel(values.model as string);
    const { engine, close } = await engineFromFlags({});
    predictions = engine.run(engine.loadModel(mf.config, mf.weights), ev.tensor).labels.slice();
    await close();
  } else if (values.predictions) {
    const p = parseSafetensors(new Uint8Array(readFileSync(values.predictions as string)), values.predictions as string).tensors.get("labels");
    if (!p) throw new UsageError(`${values.predictions}: no "labels" tensor (expected a segment output)`);
    predictions = Uint8Array.from(typed(p, "labels", ["U8"]).data as Uint8Array);
  }
  const colourBy = (values["colour-by"] ? String(values["colour-by"]).split(",") : ["energy", ...(ev.labels ? ["truth"] : []), ...(predictions ? ["prediction"] : []), ...(ev.labels && predictions ? ["correctness"] : [])]) as Colouring[];
  for (const c of colourBy) if (!COLOURINGS.includes(c)) throw new UsageError(`--colour-by ${c}: use ${COLOURINGS.join(", ")}`);
  const scheme = (values.weighting ?? "sparsessnet") as WeightingScheme;
  if (!WEIGHTING_SCHEMES.includes(scheme)) throw new UsageError(`--weighting ${scheme}: use ${WEIGHTING_SCHEMES.join(", ")}`);
  const weights = colourBy.includes("weights") ? lossWeights(ev, scheme) : undefined;
  const img = renderEventDisplay(ev, { colourBy, predictions, weights, crop: Boolean(values.crop) });
  writePng(out, img);
  console.log(`wrote ${out} (${img.width} x ${img.height}): event ${index}, ${colourBy.join(", ")}`);
  return 0;
}
