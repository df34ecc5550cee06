// Phoenix down: the app exports with the real OTLP exporter and batch processor to a port where
// nothing listens. It must keep answering and say so once, and an answer's trace link must say
// that its trace never got to Phoenix (as for a Phoenix that refuses the key: phoenix-refuses.test.ts). (That it does not hold on to the
// spans meanwhile: phoenix-stuck.test.ts.)
import { afterAll, beforeAll, expect, it } from "vitest";
import type { FastifyInstance } from "fastify";
import type { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import type { ChatResponse, ErrorResponse } from "../api.ts";
import { createOtlpExporter } from "../telemetry/otlp-exporter.ts";
import { readConfig } from "./config.ts";
import { buildServer } from "./server.ts";
import { setupTracing } from "./tracing.ts";
import { WarnOnceExporter } from "./warn-once-exporter.ts";
import { closedPortUrl } from "./test-support/closed-port.ts";

const warnings: string[] = [];
let provider: BasicTracerProvider;
let model: ModelConnection;
let app: FastifyInstance;

beforeAll(async () => {
  const config = readConfig({ PHOENIX_COLLECTOR_ENDPOINT: await closedPortUrl(), PHOENIX_PROJECT_NAME: "phoenix-down" });
  const exporter = new WarnOnceExporter(createOtlpExporter(config.otlp, { timeoutMillis: 500 }), config.otlp.url, (message) => warnings.push(message));
  provider = setupTracing({ projectName: config.projectName, exporter });
  model = await connectModel({ env: {} });
  app = await buildServer({ config, model, flushSpans: () => provider.forceFlush(), spanDelivery: exporter, log: () => {} });
});
afterAll(async () => {
  await app.close();
  await provider.shutdown().catch(() => {});
  await model.close();
});

it("keeps answering with Phoenix down, and warns once", async () => {
  for (let turn = 0; turn < 20; turn++) {
    const response = await app.inject({
      method: "POST",
      url: "/api/chat",
      payload: { messages: [{ role: "user", content: "What's the weather in Paris and in Tokyo?" }] },
    });
    expect(response.statusCode).toBe(200);
    // Make the batch processor try (and fail) to export now and then.
    if (turn % 5 === 4) await provider.forceFlush().catch(() => {});
  }
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/Could not send spans to http:\/\/127\.0\.0\.1:\d+\/v1\/traces.*keeps answering.*npm run phoenix/);
});

it("feedback with Phoenix down: 503, after a flush that fails quietly", async () => {
  const response = await app.inject({ method: "POST", url: "/api/feedback", payload: { spanId: "08c93f1fde572617", score: 1 } });
  expect(response.statusCode).toBe(503);
  expect(warnings).toHaveLength(1);
});

it("the trace link of an answer given with Phoenix down says its trace is not in Phoenix, and how to start it", async () => {
  const answer = await app.inject({ method: "POST", url: "/api/chat", payload: { messages: [{ role: "user", content: "hello" }] } });
  const { traceId } = answer.json<ChatResponse>();
  const link = await app.inject({ method: "GET", url: `/api/traces/${traceId}`, headers: { accept: "application/json" } });
  expect(link.statusCode).toBe(404);
  expect(link.json<ErrorResponse>()).toEqual({
    error: expect.stringMatching(/^This answer's trace is not in Phoenix: its spans could not be sent \(.*ECONNREFUSED.*\)\. .*npm run phoenix/),
    traceId,
  });
});

it("feedback on an answer given with Phoenix down says it cannot be recorded (Phoenix would drop it), whatever Phoenix does now", async () => {
  const answer = await app.inject({ method: "POST", url: "/api/chat", payload: { messages: [{ role: "user", content: "hello" }] } });
  const { traceId, spanId } = answer.json<ChatResponse>();
  const feedback = await app.inject({ method: "POST", url: "/api/feedback", payload: { spanId, traceId, score: 1 } });
  expect(feedback.statusCode).toBe(404);
  expect(feedback.json<ErrorResponse>()).toEqual({
    error: expect.stringMatching(/^Your feedback could not be recorded: this answer's trace is not in Phoenix, its spans could not be sent \(.*ECONNREFUSED.*\)\.$/),
    traceId,
  });
});
