// The chat page: index.html and style.css as they are, and main.js. In development (`npm run app`)
// main.ts is compiled by esbuild when the server starts, in memory: there is no build output to
// keep in sync or to commit. The production build (`npm run build`) compiles it beforehand, next
// to the compiled server, which then reads it and needs no esbuild.
import { access, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { BuildOptions } from "esbuild";
import type { FastifyInstance } from "fastify";

// solutions/app/web/ beside the TypeScript server; dist/app/web/ beside the compiled one.
const webDir = fileURLToPath(new URL("../web/", import.meta.url));

interface Asset {
  contentType: string;
  body: string;
}

export async function buildWebPage(): Promise<Map<string, Asset>> {
  return new Map<string, Asset>([
    ["/", { contentType: "text/html; charset=utf-8", body: await readFile(`${webDir}index.html`, "utf8") }],
    ["/style.css", { contentType: "text/css; charset=utf-8", body: await readFile(`${webDir}style.css`, "utf8") }],
    ["/main.js", { contentType: "text/javascript; charset=utf-8", body: await pageScript() }],
  ]);
}

/** How main.ts becomes main.js, here and in the production build (scripts/build/app.ts). */
export function pageScriptBuild(sourceDir = webDir): BuildOptions {
  return { entryPoints: [`${sourceDir}main.ts`], bundle: true, format: "esm", target: "es2022", logLevel: "silent" };
}

/** main.js: built beforehand (the production build), or compiled from main.ts now. */
async function pageScript(): Promise<string> {
  const built = `${webDir}main.js`;
  if (await access(built).then(() => true, () => false)) return readFile(built, "utf8");
  // Loaded only here: a production install (without devDependencies) runs the built page.
  const { build } = await import("esbuild");
  const bundle = await build({ ...pageScriptBuild(), sourcemap: "inline", write: false as const });
  return bundle.outputFiles[0]?.text ?? "";
}

export function webPageRoutes(app: FastifyInstance, assets: Map<string, Asset>, securityHeaders: Record<string, string> = {}): void {
  for (const [path, asset] of assets) {
    app.get(path, async (_request, reply) => reply.type(asset.contentType).header("cache-control", "no-cache").headers(securityHeaders).send(asset.body));
  }
}
