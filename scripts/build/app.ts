// `npm run build`: the finished app as a Node service runs it in production, compiled JavaScript
// instead of TypeScript through tsx's loader (which compiles every module as it loads, and stays
// in memory to do so). Writes:
//   dist/app/server/main.mjs   the server, one ES module: the app, the shared code, its npm packages
//   dist/app/web/              the chat page: index.html, style.css, and main.js compiled from main.ts
// Start it with `npm run app:prod` (node dist/app/server/main.mjs): same settings, same behaviour.
// dist/ is ignored by git; build again after changing the app.
import { cp, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import { pageScriptBuild } from "../../solutions/app/server/web-page.ts";

const root = fileURLToPath(new URL("../../", import.meta.url));
const appDir = path.join(root, "solutions/app");

/** Builds into `outDir` (default dist/app; it must be inside the project, whose node_modules the server imports from). */
export async function buildApp(outDir = path.join(root, "dist/app")): Promise<{ outDir: string; ms: number }> {
  const started = performance.now();
  await rm(outDir, { recursive: true, force: true });
  await mkdir(path.join(outDir, "web"), { recursive: true });
  await build({
    entryPoints: [path.join(appDir, "server/main.ts")],
    outfile: path.join(outDir, "server/main.mjs"),
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // The npm packages stay in node_modules (a production install has them); esbuild is only
    // needed to build, and the compiled server reads the page built below instead.
    packages: "external",
    sourcemap: true,
    logLevel: "warning",
  });
  // The page: main.js compiled as the server compiles it in development (web-page.ts), the rest copied.
  await build({ ...pageScriptBuild(path.join(appDir, "web/")), outfile: path.join(outDir, "web/main.js"), logLevel: "warning" });
  for (const file of ["index.html", "style.css"]) await cp(path.join(appDir, "web", file), path.join(outDir, "web", file));
  return { outDir, ms: performance.now() - started };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { outDir: written, ms } = await buildApp();
  console.log(`Built the app into ${path.relative(process.cwd(), written) || "."} in ${Math.round(ms)} ms. Start it: npm run app:prod`);
}
