import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { modelsDir } from "../node/model-io.js";
import { startWebServer } from "../node/web-server.js";
import { integerOpt, parse } from "./args.js";

const HELP = `usage: sparsessnet serve [--port P] [--host H]

Starts the event display page on http://127.0.0.1:P/ (default: a free port): pick a bundled sample or
drop an event file, segment it in the browser (WebGPU on a real GPU, wasm otherwise) and look at it
coloured by energy, prediction, track/shower, truth and correctness. Stop with Ctrl-C.`;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export async function serve(argv: string[]): Promise<number> {
  const { values } = parse(argv, { port: { type: "string" }, host: { type: "string" } });
  if (values.help) { console.log(HELP); return 0; }
  const port = integerOpt("port", values.port, 0, 0, 65535);
  const web = await startWebServer(join(ROOT, "dist", "web"), join(ROOT, "samples"), port, values.host ?? "127.0.0.1", modelsDir());
  console.log(`sparsessnet event display: ${web.url}`);
  await new Promise(() => {}); // until interrupted
  return 0;
}
