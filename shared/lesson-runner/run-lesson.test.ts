// What a lesson run says about Phoenix, from what the export itself reported: a link when the
// spans arrived (looked up with the key), a refusal and what to set when Phoenix said 401 (an
// error: on stderr, exit code 1), and no polling of a collector that is not Phoenix.
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { runConversationLesson } from "./run-conversation.ts";
import { runLesson, type LessonProgram } from "./run-lesson.ts";

let phoenix: Server;
let phoenixUrl: string;
/** "open": takes spans and lists the project; "locked": 401 unless the key is right; "other": takes spans, no REST API */
let mode: "open" | "locked" | "other" = "open";
const seen: Array<{ method?: string; url?: string; headers: IncomingHttpHeaders }> = [];

beforeAll(async () => {
  phoenix = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, headers: req.headers });
    req.resume();
    req.on("end", () => {
      if (mode === "locked" && req.headers.authorization !== "Bearer right-key") return void res.writeHead(401).end("Unauthorized");
      if (req.url === "/v1/traces") return void res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      if (mode !== "other" && req.url?.startsWith("/v1/projects")) {
        return void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ data: [{ id: "UHJvamVjdDo5", name: "runner-test" }], next_cursor: null }));
      }
      res.writeHead(404).end("Not Found");
    });
  });
  await new Promise<void>((resolve) => phoenix.listen(0, "127.0.0.1", resolve));
  const address = phoenix.address();
  phoenixUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(() => new Promise<void>((resolve) => phoenix.close(() => resolve())));
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
  process.exitCode = undefined;
  seen.length = 0;
});

/** A lesson whose tracer sends one span to the fake Phoenix, key from PHOENIX_API_KEY as lesson 1 teaches. */
let current: BasicTracerProvider | undefined;
const program: LessonProgram = {
  setupTracing({ exporters }) {
    // (Not registered globally: a process registers one global provider, and each run here needs its own.)
    current = new BasicTracerProvider({ spanProcessors: exporters.map((exporter) => new SimpleSpanProcessor(exporter)) });
    return current;
  },
  phoenixExporter() {
    const key = process.env.PHOENIX_API_KEY;
    return new OTLPTraceExporter({ url: `${phoenixUrl}/v1/traces`, headers: key ? { authorization: `Bearer ${key}` } : {} });
  },
  async chatTurn() {
    current!.getTracer("runner-test").startSpan("chat_turn").end();
    return "hi";
  },
  defaultQuestion: "hello",
};

/** What a run printed: stdout (console.log) and stderr (console.error), each as one text. */
interface Printed {
  stdout: string;
  stderr: string;
}

function capturePrinted(): () => Printed {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void out.push(args.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void err.push(args.join(" ")));
  return () => ({ stdout: out.join("\n"), stderr: err.join("\n") });
}

async function run(env: Record<string, string>): Promise<Printed> {
  vi.stubEnv("PHOENIX_COLLECTOR_ENDPOINT", phoenixUrl);
  vi.stubEnv("PHOENIX_PROJECT_NAME", "runner-test");
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const printed = capturePrinted();
  await runLesson(program, ["hello"]);
  return printed();
}

describe("the phoenix: line of a lesson run", () => {
  it("with the right key: the trace link, looked up with the key", async () => {
    mode = "locked";
    const { stdout, stderr } = await run({ PHOENIX_API_KEY: "right-key" });
    expect(stdout).toMatch(new RegExp(`phoenix:.*${phoenixUrl}/projects/UHJvamVjdDo5/traces/[0-9a-f]{32}`));
    expect(stderr).toBe("");
    const lookup = seen.find((request) => request.url?.startsWith("/v1/projects"));
    expect(lookup?.headers.authorization).toBe("Bearer right-key");
    expect(process.exitCode).toBeUndefined();
  });

  it("without a key against a locked Phoenix: says on stderr that Phoenix refused the spans and what to set, exit code 1, no lookup", async () => {
    mode = "locked";
    const { stdout, stderr } = await run({ PHOENIX_API_KEY: "" });
    expect(stderr).toMatch(/phoenix:.*Phoenix refused the spans\. Phoenix asks for an API key \(HTTP 401\): set PHOENIX_API_KEY/);
    expect(stdout, "stdout keeps the reply and the spans, not the error").not.toMatch(/refused|phoenix:/);
    expect(stdout).toMatch(/bot:.*hi/);
    expect(seen.filter((request) => request.url?.startsWith("/v1/projects")), "no polling of /v1/projects").toHaveLength(0);
    expect(process.exitCode).toBe(1);
  });

  it("with a wrong key: says on stderr that the key was not accepted, exit code 1", async () => {
    mode = "locked";
    const { stdout, stderr } = await run({ PHOENIX_API_KEY: "wrong" });
    expect(stderr).toMatch(/the key sent was not accepted: check PHOENIX_API_KEY/);
    expect(stdout).not.toMatch(/not accepted/);
    expect(process.exitCode).toBe(1);
  });

  it("a collector that is not Phoenix: asked once, then the trace id without a link", async () => {
    mode = "other";
    const { stdout } = await run({ PHOENIX_API_KEY: "", PHOENIX_PROJECT_NAME: "elsewhere" });
    expect(stdout).toMatch(/phoenix:.*\(project "elsewhere", trace [0-9a-f]{32}\)/);
    expect(seen.filter((request) => request.url?.startsWith("/v1/projects"))).toHaveLength(1);
  });
});

describe("the phoenix: line of a conversation run", () => {
  const conversation = {
    setupTracing: program.setupTracing,
    phoenixExporter: program.phoenixExporter,
    newConversation: () => ({ sessionId: "runner-session", userId: "runner-user" }),
    async chatTurn() {
      current!.getTracer("runner-test").startSpan("chat_turn").end();
      return "hi";
    },
    defaultQuestions: ["hello"],
  };

  async function converse(env: Record<string, string>): Promise<Printed> {
    vi.stubEnv("PHOENIX_COLLECTOR_ENDPOINT", phoenixUrl);
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    const printed = capturePrinted();
    await runConversationLesson(conversation, ["hello"]);
    return printed();
  }

  it("the spans arrived: where to find the session", async () => {
    mode = "locked";
    const { stdout, stderr } = await converse({ PHOENIX_API_KEY: "right-key" });
    expect(stdout).toMatch(/phoenix:.*Sessions tab, session runner-session/);
    expect(stderr).toBe("");
    expect(process.exitCode).toBeUndefined();
  });

  it("refused: says so on stderr and what to set, not where the session would be, exit code 1", async () => {
    mode = "locked";
    const { stdout, stderr } = await converse({ PHOENIX_API_KEY: "" });
    expect(stderr).toMatch(/phoenix:.*Phoenix refused the spans\. Phoenix asks for an API key \(HTTP 401\): set PHOENIX_API_KEY/);
    expect(stdout).not.toMatch(/refused|Sessions tab/);
    expect(process.exitCode).toBe(1);
  });
});
