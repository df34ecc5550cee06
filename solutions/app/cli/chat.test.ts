// `npm run chat` with its input piped in (a script, CI), against a real app on 127.0.0.1.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import { buildServer } from "../server/server.ts";
import { closedPortUrl } from "../server/test-support/closed-port.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** Runs the terminal client with `input` on its stdin; resolves with its exit code and output. */
async function runChat(appUrl: string, input: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "solutions/app/cli/chat.ts"], {
    cwd: repoRoot,
    env: { ...process.env, APP_URL: appUrl },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(input);
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output };
}

describe("npm run chat, piped", () => {
  let model: ModelConnection;
  let app: FastifyInstance;
  let appUrl: string;

  beforeAll(async () => {
    model = await connectModel({ env: {} });
    app = await buildServer({
      config: { phoenixUrl: await closedPortUrl(), phoenixApiKey: undefined, projectName: "chat-cli-tests", modelTimeoutMs: 5000 },
      model,
      flushSpans: async () => {},
      log: () => {},
    });
    appUrl = await app.listen({ host: "127.0.0.1", port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await model.close();
  });

  it("answers each question and exits 0", async () => {
    const { code, output } = await runChat(appUrl, "calculate 6 * 7\nWhat's the weather in Paris?\n");
    expect(output).toContain("bot> ");
    expect(output).toMatch(/In Paris it is 18°C/);
    expect(code).toBe(0);
  });

  it("exits 1 when no question got an answer (the app is not running), and says why", async () => {
    const { code, output } = await runChat(await closedPortUrl(), "hello\nhello again\n");
    expect(output).toMatch(/The app is not reachable at http:\/\/127\.0\.0\.1:\d+\. Start it with `npm run app`/);
    expect(output).toContain("None of the 2 question(s) got an answer.");
    expect(code).toBe(1);
  });
});
