// Phoenix that refuses the key: authentication is on and PHOENIX_API_KEY is not a key it knows.
// The app exports with the real OTLP exporter and batch processor to a fake Phoenix that answers
// 401 to anything without the right key. It must keep answering, say once that the key sent was
// not accepted (not to set a key it has set), and the trace link of an answer whose spans were
// refused must say so instead of leading to a trace Phoenix never got.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, beforeEach, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import type { ChatResponse, ErrorResponse } from "../api.ts";
import { createOtlpExporter } from "../telemetry/otlp-exporter.ts";
import { readConfig } from "./config.ts";
import { buildServer, PAGE_SECURITY_HEADERS } from "./server.ts";
import { setupTracing } from "./tracing.ts";
import { WarnOnceExporter } from "./warn-once-exporter.ts";

const warnings: string[] = [];
/** what the fake Phoenix was asked: method and path */
const asked: string[] = [];
let phoenix: Server;
let provider: BasicTracerProvider;
let model: ModelConnection;
let app: FastifyInstance;

beforeAll(async () => {
  phoenix = createServer((request, response) => {
    asked.push(`${request.method} ${request.url?.split("?")[0]}`);
    request.resume();
    request.on("end", () => {
      if (request.headers.authorization !== "Bearer right-key") return void response.writeHead(401, { "content-type": "application/json" }).end('{"detail":"Unauthorized"}');
      response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((resolve) => phoenix.listen(0, "127.0.0.1", resolve));
  const address = phoenix.address();
  const phoenixUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;

  const config = readConfig({ PHOENIX_COLLECTOR_ENDPOINT: phoenixUrl, PHOENIX_API_KEY: "wrong-key", PHOENIX_PROJECT_NAME: "phoenix-refuses" });
  const target = config.otlp;
  const exporter = new WarnOnceExporter(createOtlpExporter(target), target.url, (message) => warnings.push(message), target.sendsToPhoenix, target.headers);
  provider = setupTracing({ projectName: config.projectName, exporter });
  model = await connectModel({ env: {} });
  app = await buildServer({ config, model, flushSpans: () => provider.forceFlush(), spanDelivery: exporter, log: () => {} });
});
afterAll(async () => {
  await app.close();
  await provider.shutdown().catch(() => {});
  await model.close();
  await new Promise<void>((resolve) => phoenix.close(() => resolve()));
});
beforeEach(() => void (asked.length = 0));

async function answeredTurn(): Promise<ChatResponse> {
  const response = await app.inject({ method: "POST", url: "/api/chat", payload: { messages: [{ role: "user", content: "What's the weather in Paris?" }] } });
  expect(response.statusCode).toBe(200);
  return response.json<ChatResponse>();
}

it("keeps answering, and says once that the key sent was not accepted (not to set PHOENIX_API_KEY, which is set)", async () => {
  for (let turn = 0; turn < 3; turn++) {
    await answeredTurn();
    await provider.forceFlush().catch(() => {});
  }
  expect(asked.filter((request) => request === "POST /v1/traces").length, "the spans were offered to Phoenix").toBeGreaterThan(0);
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/Phoenix refused the spans\. Phoenix asks for an API key \(HTTP 401\): the key sent was not accepted: check PHOENIX_API_KEY/);
  expect(warnings[0]).not.toMatch(/set PHOENIX_API_KEY/);
  expect(warnings[0]).not.toContain("wrong-key");
});

it("the trace link of an answer whose spans Phoenix refused: a page that says the trace is not in Phoenix, and why, instead of a redirect there", async () => {
  const { traceId } = await answeredTurn();
  // The link flushes the spans first: they are refused then, and the exporter knows it.
  const link = await app.inject({ method: "GET", url: `/api/traces/${traceId}`, headers: { accept: "text/html,application/xhtml+xml,*/*;q=0.8" } });
  expect(link.statusCode).toBe(404);
  expect(link.headers.location, "no redirect to a trace Phoenix never got").toBeUndefined();
  expect(link.headers["content-type"]).toBe("text/html; charset=utf-8");
  expect(link.headers).toMatchObject(PAGE_SECURITY_HEADERS);
  expect(link.body).toContain("<title>Trace not recorded</title>");
  expect(link.body).toMatch(/This answer's trace is not in Phoenix: its spans could not be sent \(Unauthorized\)\. Phoenix refused the spans\. .*the key sent was not accepted: check PHOENIX_API_KEY/);
  expect(link.body).toContain(traceId);
  expect(asked.filter((request) => request.startsWith("GET /v1/projects")), "no lookup of a trace that is not there").toEqual([]);
});

it("the same answer for a client that is not a browser: the API's { error } with the trace id", async () => {
  const { traceId } = await answeredTurn();
  const link = await app.inject({ method: "GET", url: `/api/traces/${traceId}`, headers: { accept: "application/json" } });
  expect(link.statusCode).toBe(404);
  const body = link.json<ErrorResponse>();
  expect(body.traceId).toBe(traceId);
  expect(body.error).toMatch(/^This answer's trace is not in Phoenix: .*the key sent was not accepted/);
});

it("a trace the exporter has no failure for still leads to Phoenix (the answer is per trace, not 'Phoenix is refusing')", async () => {
  const link = await app.inject({ method: "GET", url: "/api/traces/4bf92f3577b34da6a3ce929d0e0e4736", headers: { accept: "text/html" } });
  expect(link.statusCode).toBe(302);
  expect(link.headers.location).toMatch(/\/redirects\/traces\/4bf92f3577b34da6a3ce929d0e0e4736$/);
});
