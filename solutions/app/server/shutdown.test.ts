// `npm run app` stopping on SIGTERM (Ctrl-C is the same path): the app runs as a real process,
// sending its spans to a fake OTLP collector on 127.0.0.1 that records every request. The batch
// processor waits 60 s between batches here, so what the collector gets came from the shutdown.
import { spawn, type ChildProcess } from "node:child_process";
import { Agent, request as httpRequest } from "node:http";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import type { ChatResponse, ErrorResponse } from "../api.ts";
import { startOfflineModel } from "../../../shared/model/offline-model.ts";
import { closedPortUrl } from "./test-support/closed-port.ts";

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

interface FakeCollector {
  url: string;
  /** the bodies POSTed to /v1/traces, gunzipped (OTLP protobuf: span names and ids appear as raw bytes) */
  batches: Buffer[];
  /** the content-encoding and x-project-name headers of each batch */
  batchHeaders: Array<{ encoding?: string; project?: string }>;
  /** the bodies POSTed to /v1/span_annotations (the evaluations' verdicts), parsed */
  annotations: Array<{ span_id: string; name: string; annotator_kind: string }>;
  /** the authorization header of each POST to /v1/traces */
  authorizations: Array<string | undefined>;
  server: Server;
}

/** "phoenix": answers /healthz and takes spans; "other": an OTLP collector, no /healthz; "stuck": never answers a batch; "locked": 401 to all. */
async function startCollector(kind: "phoenix" | "other" | "stuck" | "locked"): Promise<FakeCollector> {
  const batches: Buffer[] = [];
  const batchHeaders: FakeCollector["batchHeaders"] = [];
  const annotations: FakeCollector["annotations"] = [];
  const authorizations: Array<string | undefined> = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    if (request.url === "/v1/traces") authorizations.push(request.headers.authorization);
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method === "GET" && request.url === "/healthz" && kind === "phoenix") return response.end("OK");
      if (request.method === "POST" && request.url?.startsWith("/v1/span_annotations") && kind === "phoenix") {
        annotations.push(...(JSON.parse(Buffer.concat(chunks).toString("utf8")) as { data: FakeCollector["annotations"] }).data);
        return response.writeHead(200, { "content-type": "application/json" }).end('{"data":[]}');
      }
      if (request.method !== "POST" || request.url !== "/v1/traces") return response.writeHead(404).end();
      if (kind === "locked") return response.writeHead(401, { "content-type": "application/json" }).end('{"detail":"Unauthorized"}');
      const encoding = request.headers["content-encoding"];
      // The app sends gzip (OTEL_EXPORTER_OTLP_COMPRESSION=none turns it off), as Phoenix takes it.
      const body = encoding === "gzip" ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
      // The app's start-up probe is an empty export (no spans): not a batch.
      if (body.length > 0) {
        batches.push(body);
        batchHeaders.push({ encoding, project: request.headers["x-project-name"] as string | undefined });
      }
      if (kind === "stuck") return; // the export waits until its timeout
      response.writeHead(200, { "content-type": "application/x-protobuf" }).end(); // an empty ExportTraceServiceResponse
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, batches, batchHeaders, annotations, authorizations, server };
}

interface RunningApp {
  url: string;
  process: ChildProcess;
  output(): string;
}

const running: Array<{ app?: RunningApp; collector?: FakeCollector }> = [];
afterEach(async () => {
  for (const { app, collector } of running.splice(0)) {
    if (app && app.process.exitCode === null && app.process.signalCode === null) app.process.kill("SIGKILL");
    collector?.server.closeAllConnections();
    collector?.server.close();
  }
});

/**
 * The URL the app printed on its "Chat page:" line. The app is started with APP_PORT=0, so the
 * OS picks its port when it listens: a port picked beforehand can be taken by another test
 * process in between (CI saw "Port ... is already in use" that way).
 */
function printedUrl(output: string): string | undefined {
  return /Chat page:\s+(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)?.[1];
}

/** Starts the app as `npm run app` does, with the offline model; resolves once it answers. */
async function startApp(env: NodeJS.ProcessEnv): Promise<RunningApp> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, APP_HOST: "127.0.0.1", APP_PORT: "0", OTEL_BSP_SCHEDULE_DELAY: "60000", ...env };
  for (const name of ["OPENAI_BASE_URL", "OPENAI_API_KEY", "OPENAI_MODEL", "PHOENIX_URL", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "PHOENIX_PROJECT_NAME", "APP_EVALUATIONS", "APP_MAX_CONCURRENT_JUDGINGS"]) {
    if (!(name in env)) delete childEnv[name];
  }
  const child = spawn(process.execPath, ["--import", "tsx", "solutions/app/server/main.ts"], { cwd: repoRoot, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const app = { url: "", process: child, output: () => output };
  running.push({ app });
  const deadline = Date.now() + 15_000;
  // "Chat page:" is printed right after listen(), in the same step as the signal handlers.
  while (!printedUrl(output)) {
    if (child.exitCode !== null) throw new Error(`The app exited (${child.exitCode}) before it was ready:\n${output}`);
    if (Date.now() > deadline) throw new Error(`The app did not start within 15 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  app.url = printedUrl(output)!;
  return app;
}

async function chat(app: RunningApp, content: string): Promise<Response> {
  return fetch(`${app.url}/api/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content }] }),
  });
}

/** Sends the signal; resolves with the exit code and how long the app took to exit. */
async function stopApp(app: RunningApp, signal: NodeJS.Signals = "SIGTERM"): Promise<{ code: number | null; ms: number }> {
  const started = Date.now();
  const exited = once(app.process, "exit") as Promise<[number | null]>;
  app.process.kill(signal);
  const [code] = await exited;
  return { code, ms: Date.now() - started };
}

function received(collector: FakeCollector, text: string | Buffer): boolean {
  return Buffer.concat(collector.batches).includes(text);
}

describe("stopping the app (SIGTERM, as Ctrl-C)", () => {
  it("sends the spans of the finished turns to Phoenix before it exits", async () => {
    const collector = await startCollector("phoenix");
    running.push({ collector });
    const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: collector.url });
    const answer = (await (await chat(app, "What's the weather in Paris and in Tokyo?")).json()) as ChatResponse;
    expect(collector.batches, "nothing is sent before the stop (batches wait 60 s)").toHaveLength(0);

    const { code } = await stopApp(app);
    expect(code, app.output()).toBe(0);
    expect(received(collector, Buffer.from(answer.traceId!, "hex")), "the turn's trace id reached the collector").toBe(true);
    for (const name of ["POST /api/chat", "chat_turn", "retrieve", "CreateEmbeddings", "ChatCompletion", "get_weather"]) {
      expect(received(collector, name), `the ${name} span reached the collector`).toBe(true);
    }
    expect(app.output()).not.toMatch(/not answering|Could not send/);
    // Lesson 10's evaluations: judged once the answer was sent, their spans in the last batch, their verdicts in Phoenix.
    for (const name of ["names_every_city", "answers_the_question"]) {
      expect(received(collector, name), `the EVALUATOR span ${name} reached the collector`).toBe(true);
      expect(collector.annotations.find((annotation) => annotation.name === name)?.span_id, `the ${name} verdict, on the answer's span`).toBe(answer.spanId);
    }
    // Lesson 11's export settings: gzip bodies, and the project as a header beside the resource attribute.
    expect(collector.batchHeaders.map(({ encoding }) => encoding), "every batch gzipped").toEqual(collector.batches.map(() => "gzip"));
    expect(collector.batchHeaders.map(({ project }) => project), "every batch names the project").toEqual(collector.batches.map(() => "workbook-app"));
  });

  it("sends plain protobuf with OTEL_EXPORTER_OTLP_COMPRESSION=none, and PHOENIX_PROJECT_NAME's project as the header", async () => {
    const collector = await startCollector("phoenix");
    running.push({ collector });
    const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_COMPRESSION: "none", PHOENIX_PROJECT_NAME: "support-bot" });
    const answer = (await (await chat(app, "What's the weather in Paris?")).json()) as ChatResponse;
    expect((await stopApp(app)).code, app.output()).toBe(0);
    expect(received(collector, Buffer.from(answer.traceId!, "hex")), "the turn's spans arrived").toBe(true);
    expect(collector.batchHeaders.length).toBeGreaterThan(0);
    expect(collector.batchHeaders.every(({ encoding, project }) => encoding === undefined && project === "support-bot"), JSON.stringify(collector.batchHeaders)).toBe(true);
  });

  it("APP_EVALUATIONS=off: says so at start-up, and judges nothing", async () => {
    const collector = await startCollector("phoenix");
    running.push({ collector });
    const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: collector.url, APP_EVALUATIONS: "off" });
    const answer = (await (await chat(app, "What's the weather in Paris?")).json()) as ChatResponse;
    expect((await stopApp(app)).code, app.output()).toBe(0);
    expect(app.output()).toMatch(/Evaluations: off \(APP_EVALUATIONS=off\)/);
    expect(received(collector, Buffer.from(answer.traceId!, "hex")), "the turn's spans arrived").toBe(true);
    expect(received(collector, "names_every_city")).toBe(false);
    expect(collector.annotations).toEqual([]);
  });

  it("lets a judging under way finish first: the judge's EVALUATOR span and verdict are sent before it exits", async () => {
    const collector = await startCollector("phoenix");
    running.push({ collector });
    // The app's model behind a proxy that holds the judge's requests (the chat's go through) until released.
    const offline = await startOfflineModel();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let judgeAsked!: () => void;
    const asked = new Promise<void>((resolve) => (judgeAsked = resolve));
    const proxy = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", async () => {
        const body = Buffer.concat(chunks);
        if (body.includes("You judge a chatbot's answers")) {
          judgeAsked();
          await released;
        }
        const forwarded = await fetch(`${offline.baseUrl}${(request.url ?? "").replace(/^\/v1/, "")}`, { method: request.method, headers: { "content-type": "application/json" }, body });
        response.writeHead(forwarded.status, { "content-type": forwarded.headers.get("content-type") ?? "application/json" }).end(Buffer.from(await forwarded.arrayBuffer()));
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const address = proxy.address();
      const modelUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/v1`;
      const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: collector.url, OPENAI_BASE_URL: modelUrl, OPENAI_MODEL: offline.modelName, APP_DRAIN_MS: "0" });
      const answer = (await (await chat(app, "What's the weather in Paris and in Tokyo?")).json()) as ChatResponse;
      await asked; // the judge is at work, and held
      const stopped = stopApp(app);
      // Released once the app has begun to stop: only a stop that waits for the judging sends its span.
      await expect.poll(() => app.output(), { timeout: 10_000 }).toMatch(/SIGTERM: finishing/);
      release();
      expect((await stopped).code, app.output()).toBe(0);
      expect(received(collector, "answers_the_question"), "the held judge's EVALUATOR span was sent").toBe(true);
      expect(collector.annotations.find((annotation) => annotation.name === "answers_the_question")?.span_id, "and its verdict logged").toBe(answer.spanId);
    } finally {
      release();
      proxy.closeAllConnections();
      proxy.close();
      await offline.close();
    }
  });

  it("lets an answer in progress finish first, and sends its spans too", async () => {
    const collector = await startCollector("phoenix");
    running.push({ collector });
    // Evaluations off: the judge's prompt quotes the question, marker included, so the judge would
    // be slow too, and the stop rightly waits for it (up to 3 s): not what this test measures.
    const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: collector.url, APP_EVALUATIONS: "off" });
    const answering = chat(app, "hello [[fault:slow=1000]]");
    await new Promise((resolve) => setTimeout(resolve, 300));

    const stopped = stopApp(app);
    const response = await answering;
    const { code, ms } = await stopped;
    expect(response.status, "the answer in progress still arrives").toBe(200);
    const answer = (await response.json()) as ChatResponse;
    expect(code, app.output()).toBe(0);
    expect(ms, "exits once the answer is sent (its keep-alive connection does not hold the stop)").toBeLessThan(2000);
    expect(received(collector, Buffer.from(answer.traceId!, "hex")), "its spans were sent after it ended, not lost").toBe(true);
  });

  it("cancels an answer that takes too long to finish, so that its spans end, and are sent, before the app exits", async () => {
    const collector = await startCollector("phoenix");
    running.push({ collector });
    const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: collector.url, MODEL_TIMEOUT_MS: "20000" });
    const answering = chat(app, "hello [[fault:slow=10000]]");
    await new Promise((resolve) => setTimeout(resolve, 300));

    const stopped = stopApp(app);
    const response = await answering;
    expect(response.status).toBe(503);
    const { error, traceId } = (await response.json()) as ErrorResponse;
    expect(error).toMatch(/The app is stopping: this answer was cancelled/);
    const { code, ms } = await stopped;
    expect(code, app.output()).toBe(0);
    expect(ms, "about the 3 s an answer in progress may take, not the model's 10 s").toBeLessThan(6000);
    expect(received(collector, Buffer.from(traceId!, "hex")), "the cancelled turn's spans were sent").toBe(true);
    expect(received(collector, "TurnCancelledError"), "its spans say why it ended").toBe(true);
  });

  it("a second signal stops it at once, even while the last spans are stuck", async () => {
    const collector = await startCollector("stuck");
    running.push({ collector });
    const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_TIMEOUT: "10000" });
    expect((await chat(app, "hello")).status).toBe(200);
    const exited = once(app.process, "exit") as Promise<[number | null]>;
    app.process.kill("SIGTERM");
    await expect.poll(() => collector.batches.length, { timeout: 5000 }).toBeGreaterThan(0); // the flush is under way, and stuck
    const again = Date.now();
    app.process.kill("SIGTERM");
    const [code] = await exited;
    expect(Date.now() - again, "exits right after the second signal").toBeLessThan(1000);
    expect(code).toBe(143);
    expect(app.output()).toContain("SIGTERM again: stopping now");
  });

  it("does not wait long for a Phoenix that is already known to be down", async () => {
    const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: await closedPortUrl() });
    await expect.poll(() => app.output(), { timeout: 5000 }).toContain("Phoenix is not answering");
    expect((await chat(app, "hello")).status).toBe(200);
    const { code, ms } = await stopApp(app);
    expect(code).toBe(0);
    expect(ms).toBeLessThan(2500);
  });
});

describe("sending to another OTLP collector (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT)", () => {
  it("does not ask Phoenix whether it is up, so it prints no false warnings, and the spans still go out", async () => {
    const collector = await startCollector("other");
    running.push({ collector });
    const app = await startApp({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.url}/v1/traces`, PHOENIX_COLLECTOR_ENDPOINT: await closedPortUrl() });
    const answer = (await (await chat(app, "hello")).json()) as ChatResponse;
    const { code } = await stopApp(app);
    expect(code).toBe(0);
    expect(received(collector, Buffer.from(answer.traceId!, "hex"))).toBe(true);
    expect(app.output()).not.toMatch(/Phoenix is not answering|Could not send spans|Spans reach/);
  });
});

/** A GET through `agent` (keep-alive): the status, and whether the request went over a reused connection. */
function get(agent: Agent, url: string): Promise<{ status: number; reused: boolean; connection?: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, { agent }, (response) => {
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode ?? 0, reused: request.reusedSocket, connection: response.headers.connection }));
    });
    request.on("error", reject);
    request.end();
  });
}

describe("right after SIGTERM", () => {
  it("a request on an idle keep-alive connection gets a 503 (connection: close), not a reset", async () => {
    const collector = await startCollector("phoenix");
    running.push({ collector });
    // A long drain window, so that the request below surely falls in it on a busy machine.
    const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: collector.url, APP_DRAIN_MS: "4000" });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect((await get(agent, `${app.url}/healthz`)).status).toBe(200);
      const exited = once(app.process, "exit") as Promise<[number | null]>;
      app.process.kill("SIGTERM");
      await expect.poll(() => app.output(), { timeout: 5000 }).toContain("SIGTERM:");
      const during = await get(agent, `${app.url}/healthz`);
      expect(during.reused, "the same, idle, keep-alive connection").toBe(true);
      expect(during.status).toBe(503);
      expect(during.connection).toBe("close");
      const [code] = await exited;
      expect(code, app.output()).toBe(0);
    } finally {
      agent.destroy();
    }
  });
});

describe("credentials in the URLs", () => {
  it("are never printed, and reach the collector as its authorization header", async () => {
    const collector = await startCollector("phoenix");
    running.push({ collector });
    const modelUrl = `${(await closedPortUrl()).replace("http://", "http://alice:model-pw-1@")}/v1`;
    const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: collector.url.replace("http://", "http://admin:phoenix-pw-2@"), OPENAI_BASE_URL: modelUrl });
    const response = await chat(app, "hello");
    expect(response.status).toBe(502);
    expect(await response.text()).not.toMatch(/model-pw-1|phoenix-pw-2/);
    const { code } = await stopApp(app);
    expect(code, app.output()).toBe(0);
    expect(app.output()).toContain("http://***@127.0.0.1");
    expect(app.output()).not.toMatch(/model-pw-1|phoenix-pw-2/);
    expect(collector.batches.length, "the spans arrived").toBeGreaterThan(0);
    expect(received(collector, "model-pw-1"), "no span holds the model's password").toBe(false);
    expect(collector.authorizations.at(-1)).toBe(`Basic ${Buffer.from("admin:phoenix-pw-2").toString("base64")}`);
  });
});

describe("a Phoenix that refuses the spans (401)", () => {
  it("without a key: is reported at start-up as a refusal, saying to set PHOENIX_API_KEY", async () => {
    const collector = await startCollector("locked");
    running.push({ collector });
    const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: collector.url });
    await expect.poll(() => app.output(), { timeout: 5000 }).toMatch(/Phoenix at http:\/\/127\.0\.0\.1:\d+\/v1\/traces refuses the spans\. Phoenix asks for an API key \(HTTP 401\): set PHOENIX_API_KEY/);
    expect(app.output()).not.toContain("not answering");
    expect((await stopApp(app)).code).toBe(0);
  });

  it("with a key it does not know: says the key sent was not accepted, and the answer's trace link says its trace is not in Phoenix", async () => {
    const collector = await startCollector("locked");
    running.push({ collector });
    const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: collector.url, PHOENIX_API_KEY: "not-a-key-it-knows" });
    await expect.poll(() => app.output(), { timeout: 5000 }).toMatch(/refuses the spans\. Phoenix asks for an API key \(HTTP 401\): the key sent was not accepted: check PHOENIX_API_KEY/);
    expect(app.output()).not.toMatch(/set PHOENIX_API_KEY|not-a-key-it-knows/);
    const { traceId } = (await (await chat(app, "hello")).json()) as ChatResponse;
    // The link sends the turn's spans first (batches wait 60 s here): Phoenix refuses them, and the app knows it.
    const link = await fetch(`${app.url}/api/traces/${traceId}`, { headers: { accept: "application/json" }, redirect: "manual" });
    expect(link.status).toBe(404);
    const { error } = (await link.json()) as ErrorResponse;
    expect(error).toMatch(/^This answer's trace is not in Phoenix: .*the key sent was not accepted: check PHOENIX_API_KEY/);
    expect(collector.authorizations.at(-1)).toBe("Bearer not-a-key-it-knows");
    expect((await stopApp(app)).code).toBe(0);
  });
});

describe("tracing off (OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none)", () => {
  for (const env of [{ OTEL_SDK_DISABLED: "true" }, { OTEL_TRACES_EXPORTER: "none" }]) {
    it(`${Object.entries(env)[0]!.join("=")}: answers without ids, sends nothing, says so`, async () => {
      const collector = await startCollector("phoenix");
      running.push({ collector });
      const app = await startApp({ PHOENIX_COLLECTOR_ENDPOINT: collector.url, ...env });
      const answer = (await (await chat(app, "hello")).json()) as ChatResponse;
      expect(answer.message.content.length).toBeGreaterThan(0);
      expect(answer.traceId).toBeUndefined();
      expect(answer.spanId).toBeUndefined();
      expect((await stopApp(app)).code).toBe(0);
      expect(collector.batches).toHaveLength(0);
      expect(app.output()).toContain("Traces:     off");
    });
  }
});

describe("npm run app", () => {
  it("stops on a SIGTERM sent to npm itself (the script execs node: no process is left serving)", async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, APP_HOST: "127.0.0.1", APP_PORT: "0", PHOENIX_COLLECTOR_ENDPOINT: await closedPortUrl() };
    for (const name of ["OPENAI_BASE_URL", "OPENAI_API_KEY", "PHOENIX_URL", "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]) delete env[name];
    const npm = spawn("npm", ["run", "--silent", "app"], { cwd: repoRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    npm.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    try {
      await expect.poll(() => printedUrl(output), { timeout: 20_000 }).toBeDefined();
      const url = printedUrl(output)!;
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const exited = once(npm, "exit");
      npm.kill("SIGTERM");
      await exited;
      // The app itself has stopped: nothing listens on its port any more.
      await expect.poll(() => fetch(`${url}/healthz`).then(() => "serving", () => "stopped"), { timeout: 10_000 }).toBe("stopped");
      expect(output).toContain("SIGTERM:");
    } finally {
      if (npm.exitCode === null) npm.kill("SIGKILL");
    }
  });
});
