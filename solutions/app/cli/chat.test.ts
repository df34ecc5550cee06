// `npm run chat` with its input piped in (a script, CI), against a real app on 127.0.0.1, and
// the trace of a terminal turn: the client's CLIENT span (sent to a fake collector, as OTLP JSON
// so that the test can read it) over the app's SERVER span (captured in this process).
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import { gunzipSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import { SpanKind } from "@opentelemetry/api";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import { installAppSpanCapture } from "../server/test-support/app-span-capture.ts";
import { closedPortUrl } from "../server/test-support/closed-port.ts";

// The capture first, then the app: the app's tracers bind to the provider registered when they are made.
const capture = installAppSpanCapture();
const { buildServer } = await import("../server/server.ts");

const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

/**
 * Runs the terminal client with `input` on its stdin; resolves with its exit code and output.
 * Its spans go to a closed port unless `env` says otherwise (never to a Phoenix of the shell's).
 */
async function runChat(appUrl: string, input: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string }> {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, APP_URL: appUrl, PHOENIX_COLLECTOR_ENDPOINT: await closedPortUrl(), ...env };
  for (const name of ["OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_SDK_DISABLED", "OTEL_TRACES_EXPORTER", "PHOENIX_PROJECT_NAME"]) {
    if (!(name in env)) delete childEnv[name];
  }
  const child = spawn(process.execPath, ["--import", "tsx", "solutions/app/cli/chat.ts"], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ["pipe", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end(input);
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, output };
}

interface CollectedSpan {
  span: {
    traceId: string;
    spanId: string;
    parentSpanId?: string;
    name: string;
    kind: number;
    attributes: Record<string, unknown>;
    status: { code?: number };
  };
  resource: Record<string, unknown>;
}

/** An OTLP/HTTP collector that takes JSON (OTEL_EXPORTER_OTLP_PROTOCOL=http/json) and keeps each span, its attributes as plain values. */
async function startJsonCollector(): Promise<{ url: string; spans: CollectedSpan[]; server: Server }> {
  const spans: CollectedSpan[] = [];
  type AnyValue = { stringValue?: string; intValue?: number | string; doubleValue?: number; boolValue?: boolean; arrayValue?: { values?: AnyValue[] } };
  const plain = (value: AnyValue): unknown =>
    value.stringValue ?? (value.intValue !== undefined ? Number(value.intValue) : undefined) ?? value.doubleValue ?? value.boolValue ?? value.arrayValue?.values?.map(plain);
  const attributes = (list: Array<{ key: string; value: AnyValue }> = []) => Object.fromEntries(list.map(({ key, value }) => [key, plain(value)]));
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (request.method !== "POST" || request.url !== "/v1/traces") return response.writeHead(404).end();
      // The client sends gzip, as the app does (OTEL_EXPORTER_OTLP_COMPRESSION=none turns it off).
      const body = (request.headers["content-encoding"] === "gzip" ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks)).toString("utf8");
      const exported = JSON.parse(body || "{}") as {
        resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: AnyValue }> }; scopeSpans?: Array<{ spans?: Array<CollectedSpan["span"] & { attributes?: Array<{ key: string; value: AnyValue }> }> }> }>;
      };
      for (const resourceSpans of exported.resourceSpans ?? []) {
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) spans.push({ span: { ...span, attributes: attributes(span.attributes as never) }, resource: attributes(resourceSpans.resource?.attributes) });
        }
      }
      response.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`, spans, server };
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
    await capture.uninstall();
  });

  it("answers each question and exits 0; with no Phoenix to take its spans it says nothing of them", async () => {
    const { code, output } = await runChat(appUrl, "calculate 6 * 7\nWhat's the weather in Paris?\n");
    expect(output).toMatch(/^bot> 6 \* 7 = 42\.?$/m);
    expect(output).toMatch(/^bot> In Paris it is 18°C.*$/m);
    expect(output).toMatch(/^ {5}trace [0-9a-f]{32}: http:\/\/127\.0\.0\.1:\d+\/api\/traces\/[0-9a-f]{32}$/m);
    expect(output, "no word of the spans that could not be sent").not.toMatch(/OTLP|export|ECONNREFUSED|v1\/traces/i);
    expect(code).toBe(0);
  });

  it("a terminal turn is one trace: the CLIENT span (the root, reading as the chat) is the SERVER span's parent, and the session id reaches the app as baggage", async () => {
    const collector = await startJsonCollector();
    try {
      capture.reset();
      const question = "What's the weather in Paris?";
      const { code, output } = await runChat(appUrl, `${question}\n`, {
        PHOENIX_COLLECTOR_ENDPOINT: collector.url,
        // JSON instead of Phoenix's protobuf, so the test can read the span.
        OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
        PHOENIX_PROJECT_NAME: "chat-cli-tests",
      });
      expect(code, output).toBe(0);
      const sessionId = /\(session ([0-9a-f-]{36})\)/.exec(output)?.[1];
      const reply = /^bot> (.*)$/m.exec(output)?.[1];

      // The client flushed its span before it exited.
      expect(collector.spans, "one CLIENT span, sent before the client exited").toHaveLength(1);
      const [{ span, resource }] = collector.spans as [CollectedSpan];
      expect(span.name).toBe("POST /api/chat/stream");
      expect(span.kind, "OTLP's SPAN_KIND_CLIENT").toBe(3);
      expect(span.parentSpanId || undefined, "the root of the trace").toBeUndefined();
      expect(resource).toMatchObject({ "service.name": "workbook-chat-cli", "openinference.project.name": "chat-cli-tests" });
      expect(span.attributes).toMatchObject({
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: "CHAIN",
        "http.request.method": "POST",
        "url.full": `${appUrl}/api/chat/stream`,
        "server.address": "127.0.0.1",
        "server.port": Number(new URL(appUrl).port),
        "http.response.status_code": 200,
        [SemanticConventions.INPUT_VALUE]: question,
        [SemanticConventions.INPUT_MIME_TYPE]: "text/plain",
        [SemanticConventions.OUTPUT_VALUE]: reply,
        [SemanticConventions.OUTPUT_MIME_TYPE]: "text/plain",
        [SemanticConventions.SESSION_ID]: sessionId,
      });
      expect(span.status.code, "OTLP's STATUS_CODE_OK").toBe(1);

      // The app's side of the same trace: its SERVER span continues the client's traceparent.
      await expect.poll(() => capture.finished().find((each) => each.kind === SpanKind.SERVER), { timeout: 10_000 }).toBeDefined();
      const server = capture.finished().find((each) => each.kind === SpanKind.SERVER)!;
      expect(server.spanContext().traceId, "one trace from the caller").toBe(span.traceId);
      expect(server.parentSpanContext?.spanId, "the SERVER span's parent is the CLIENT span").toBe(span.spanId);
      // The client sends no sessionId in the body: the app took it from the baggage header.
      for (const each of capture.finished()) expect(each.attributes[SemanticConventions.SESSION_ID], each.name).toBe(sessionId);
      expect(capture.finished().map((each) => each.name).sort()).toEqual(["ChatCompletion", "ChatCompletion", "CreateEmbeddings", "POST /api/chat/stream", "chat_turn", "get_weather", "retrieve"]);
    } finally {
      collector.server.closeAllConnections();
      collector.server.close();
    }
  });

  it("exits 1 when no question got an answer (the app is not running), and says why", async () => {
    const { code, output } = await runChat(await closedPortUrl(), "hello\nhello again\n");
    expect(output).toMatch(/The app is not reachable at http:\/\/127\.0\.0\.1:\d+\. Start it with `npm run app`/);
    expect(output).toContain("None of the 2 question(s) got an answer.");
    expect(code).toBe(1);
  });
});
