// The chat page: index.html and style.css as they are, main.ts compiled by esbuild when the
// server starts (in memory: there is no build output to keep in sync or to commit).
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import type { FastifyInstance } from "fastify";

const webDir = fileURLToPath(new URL("../web/", import.meta.url));

interface Asset {
  contentType: string;
  body: string;
}

export async function buildWebPage(): Promise<Map<string, Asset>> {
  const bundle = await build({
    entryPoints: [`${webDir}main.ts`],
    bundle: true,
    format: "esm",
    target: "es2022",
    sourcemap: "inline",
    write: false,
    logLevel: "silent",
  });
  const script = bundle.outputFiles[0]?.text ?? "";
  return new Map<string, Asset>([
    ["/", { contentType: "text/html; charset=utf-8", body: await readFile(`${webDir}index.html`, "utf8") }],
    ["/style.css", { contentType: "text/css; charset=utf-8", body: await readFile(`${webDir}style.css`, "utf8") }],
    ["/main.js", { contentType: "text/javascript; charset=utf-8", body: script }],
  ]);
}

export function webPageRoutes(app: FastifyInstance, assets: Map<string, Asset>, securityHeaders: Record<string, string> = {}): void {
  for (const [path, asset] of assets) {
    app.get(path, async (_request, reply) => reply.type(asset.contentType).header("cache-control", "no-cache").headers(securityHeaders).send(asset.body));
  }
}
