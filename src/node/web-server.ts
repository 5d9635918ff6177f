// `sparsessnet serve`: the event display page (dist/web) and the bundled samples, on loopback.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { extname, join, normalize, sep } from "node:path";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".json": "application/json", ".safetensors": "application/octet-stream",
  ".h5": "application/x-hdf5", ".npz": "application/octet-stream",
};

export interface WebServer { url: string; server: Server; close(): Promise<void> }

/** Serves `webDir` at /, `samplesDir` at /samples/ (with /samples/index.json listing the events:
 *  HDF5 files and folders holding event.safetensors) and `modelsDir` at /models/. */
export async function startWebServer(webDir: string, samplesDir: string, port = 0, host = "127.0.0.1", modelsDir?: string): Promise<WebServer> {
  const index = () => [
    ...readdirSync(samplesDir).filter((d) => /\.(h5|npz)$/.test(d)).map((d) => ({ name: d, file: d })),
    ...readdirSync(samplesDir)
      .filter((d) => existsSync(join(samplesDir, d, "event.safetensors")))
      .map((d) => {
        const m = existsSync(join(samplesDir, d, "manifest.json")) ? JSON.parse(readFileSync(join(samplesDir, d, "manifest.json"), "utf8")) : {};
        return { name: d, file: `${d}/event.safetensors`, spatialSize: m.spatialSize };
      }),
  ];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    if (path === "/samples/index.json") {
      res.writeHead(200, { "content-type": TYPES[".json"] }).end(JSON.stringify(index()));
      return;
    }
    const [root, rel] = path.startsWith("/samples/") ? [samplesDir, path.slice(9)]
      : path.startsWith("/models/") && modelsDir ? [modelsDir, path.slice(8)]
      : [webDir, path.slice(1) || "index.html"];
    const file = normalize(join(root, rel));
    if (!file.startsWith(normalize(root) + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" }).end(readFileSync(file));
  });
  await new Promise<void>((resolve, reject) => { server.once("error", reject); server.listen(port, host, resolve); });
  const a = server.address() as { port: number };
  return {
    url: `http://${host}:${a.port}/`, server,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
