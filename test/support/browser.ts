// Headless Debian Chromium driven by playwright-core, pages served from 127.0.0.1 (a secure context,
// so WebGPU is exposed). Flags as measured in ../shared/FACTS.md.
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

const TYPES: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript" };

/** Serves the files of `dir` on 127.0.0.1 (random port). */
export async function serveDir(dir: string): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const path = join(dir, decodeURIComponent(new URL(req.url!, "http://x").pathname).replace(/^\/+/, "") || "index.html");
    let body: Buffer;
    try { body = readFileSync(path); } catch { res.writeHead(404).end(); return; }
    res.writeHead(200, { "content-type": TYPES[extname(path)] ?? "application/octet-stream" });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}/`, server };
}

export async function launchChromium(): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "ssn-chromium-")), {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--no-first-run", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--disable-quic", "--enable-unsafe-webgpu"],
  });
}

/** Opens `url` in a fresh Chromium and runs `use` on the page with the page's uncaught errors so far
 *  (the caller asserts there are none when it is done); Chromium closes however `use` ends. */
export async function withPage<T>(url: string, use: (page: Page, errors: string[]) => Promise<T>): Promise<T> {
  let ctx: BrowserContext | undefined;
  try {
    ctx = await launchChromium();
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(url);
    return await use(page, errors);
  } finally {
    await ctx?.close();
  }
}
