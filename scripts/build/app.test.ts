// The production build runs: `npm run build`'s output, started with plain node (no tsx), serves
// the chat page (with main.js built beforehand, not compiled by esbuild at start) and answers.
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { projectRoot } from "../../shared/lessons/catalog.ts";
import { freePort } from "../../shared/testing/free-port.ts";
import { buildApp } from "./app.ts";

const outDir = path.join(projectRoot, "dist", `test-${randomUUID().slice(0, 8)}`);
let server: ChildProcess;
let url: string;

beforeAll(async () => {
  await buildApp(outDir);
  server = spawn(process.execPath, [path.join(outDir, "server/main.mjs")], {
    cwd: projectRoot,
    // The offline model in the process, and a Phoenix that is not there: nothing outside is needed.
    env: { PATH: process.env.PATH, APP_HOST: "127.0.0.1", APP_PORT: "0", PHOENIX_COLLECTOR_ENDPOINT: `http://127.0.0.1:${await freePort()}` },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  server.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  url = await new Promise<string>((resolve, reject) => {
    server.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /Chat page:\s+(http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    server.once("exit", (code) => reject(new Error(`the compiled app stopped (exit code ${code}) before it was ready:\n${output}`)));
  });
}, 60_000);

afterAll(async () => {
  server?.kill("SIGTERM");
  await rm(outDir, { recursive: true, force: true });
});

it("serves the chat page with its script built beforehand", async () => {
  const page = await fetch(url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<script type="module" src="/main.js">');
  const script = await fetch(new URL("/main.js", url));
  expect(script.status).toBe(200);
  const text = await script.text();
  expect(text).toContain("/api/feedback");
  // Built by `npm run build` (no inline source map), not by esbuild at the server's start.
  expect(text).not.toContain("sourceMappingURL=data:");
});

it("answers a chat turn", async () => {
  const response = await fetch(new URL("/api/chat", url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "What's the weather in Paris?" }] }),
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { message: { content: string } };
  expect(body.message.content).toMatch(/Paris/);
});
