import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseServeArgs, USAGE } from "./serve.ts";
import { chunksOf, ask, postChat } from "./test-support.ts";
import type { OfflineModel } from "./offline-model.ts";

const SERVE = fileURLToPath(new URL("./serve.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));

describe("parseServeArgs", () => {
  it("reads the options", () => {
    expect(parseServeArgs([])).toEqual({
      options: { port: 0, host: "127.0.0.1", usageDetails: false, usageCost: false, faultRoute: true },
    });
    expect(
      parseServeArgs(["--port", "4010", "--host", "::1", "--stream-style", "text-first, usage-choice", "--usage-details", "--usage-cost", "--no-fault-route"]),
    ).toEqual({
      options: {
        port: 4010,
        host: "::1",
        usageDetails: true,
        usageCost: true,
        faultRoute: false,
        streamStyle: ["text-first", "usage-choice"],
      },
    });
  });

  it("reads --latency as the first token's and the chunks' milliseconds, and refuses anything else", () => {
    expect(parseServeArgs(["--latency", "400, 30"])).toMatchObject({ options: { latency: { firstTokenMs: 400, chunkMs: 30 } } });
    for (const latency of ["400", "400,30,5", "a,30", "400,", "-1,30"]) {
      expect(parseServeArgs([`--latency=${latency}`]), latency).toMatchObject({ exitCode: 2, output: expect.stringMatching(/^--latency: /) });
    }
    expect(USAGE).toContain("--latency F,C");
  });

  it("answers --help and -h with the usage, exit code 0", () => {
    expect(parseServeArgs(["--help"])).toEqual({ exitCode: 0, output: USAGE });
    expect(parseServeArgs(["-h"])).toEqual({ exitCode: 0, output: USAGE });
  });

  it("answers a wrong option with what is wrong and the usage, exit code 2", () => {
    expect(parseServeArgs(["--verbose"])).toEqual({ exitCode: 2, output: `Unknown option '--verbose'\n\n${USAGE}` });
    expect(parseServeArgs(["extra"])).toMatchObject({ exitCode: 2, output: expect.stringContaining(USAGE) });
    expect(parseServeArgs(["--port"])).toMatchObject({ exitCode: 2, output: expect.stringContaining(USAGE) });
    for (const port of ["abc", "-1", "65536", "1.5", ""]) {
      expect(parseServeArgs([`--port=${port}`]), port).toMatchObject({ exitCode: 2, output: expect.stringMatching(/^--port must be a whole number/) });
    }
    expect(parseServeArgs(["--stream-style", "bedrock"])).toEqual({
      exitCode: 2,
      output: expect.stringMatching(/^--stream-style: Unknown stream style "bedrock"/),
    });
  });

  it("documents every stream style in the usage", () => {
    for (const name of ["litellm", "omit-finish-reason", "omit-null-usage", "usage-choice", "text-first", "usage-extras", "openai"]) {
      expect(USAGE).toContain(name);
    }
  });
});

/** Runs serve.ts as a command; resolves with its exit code and output once it exits. */
function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (data: Buffer) => (stdout += data.toString()));
    child.stderr.on("data", (data: Buffer) => (stderr += data.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("npx tsx shared/model/serve.ts", () => {
  it("--help prints the usage and exits 0", async () => {
    const { code, stdout, stderr } = await run(TSX, [SERVE, "--help"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout.trim()).toBe(USAGE);
  });

  it("an unknown option prints the problem and the usage, without a stack, and exits 2", async () => {
    const { code, stdout, stderr } = await run(process.execPath, ["--import", "tsx", SERVE, "--nope"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain("Unknown option '--nope'");
    expect(stderr).toContain(USAGE);
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it("serves with the options it was given, and stops on SIGTERM", async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      ["--import", "tsx", SERVE, "--port", "0", "--no-fault-route", "--stream-style", "litellm", "--usage-details"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    try {
      const baseUrl = await new Promise<string>((resolve, reject) => {
        let stdout = "";
        child.stdout!.on("data", (data: Buffer) => {
          stdout += data.toString();
          const match = /listening on (http:\/\/\S+\/v1)/.exec(stdout);
          if (match) resolve(match[1]!);
        });
        child.on("close", () => reject(new Error(`serve.ts exited early: ${stdout}`)));
      });
      const model = { baseUrl } as OfflineModel;

      const faults = await fetch(`${baseUrl.replace(/\/v1$/, "")}/_offline/faults`, { method: "POST", body: '{"faults":[]}' });
      expect(faults.status).toBe(404);
      const streamed = await postChat(model, ask("hello", { stream: true, stream_options: { include_usage: true } }));
      const chunks = chunksOf(await streamed.text());
      expect(chunks[0]?.choices[0]?.delta).toEqual({ role: "assistant", content: "Hello! " });
      expect(chunks.at(-1)?.usage?.prompt_tokens_details).toEqual({ cached_tokens: 0, audio_tokens: 0 });
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
