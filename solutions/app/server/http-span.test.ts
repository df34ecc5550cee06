// The SERVER span of a traced route that says nothing about its exchange (no ExchangeText):
// the HTTP details only, never the raw bodies; a failure's output is the error the client was told.
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import Fastify, { type FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sendErrorsAsJson } from "./error-responses.ts";
import { traceHttpRequests } from "./http-span.ts";
import { setupTracing } from "./tracing.ts";

const spans = new InMemorySpanExporter();
setupTracing({ projectName: "http-span-tests", exporter: spans, processor: "simple" });

let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify();
  sendErrorsAsJson(app, { log: () => {} });
  traceHttpRequests(app, { routes: { "/api/vote": {} } });
  app.post<{ Body: { choice: string } }>("/api/vote", { schema: { body: { type: "object", required: ["choice"], properties: { choice: { type: "string" } } } } }, async (request, reply) => {
    if (request.body.choice === "none") return reply.code(422).send({ error: "Pick a choice." });
    return { counted: request.body.choice };
  });
  await app.ready();
});
afterAll(() => app.close());
beforeEach(() => spans.reset());

function serverSpan() {
  const [span] = spans.getFinishedSpans().filter((each) => each.kind === SpanKind.SERVER);
  expect(span, "a SERVER span").toBeDefined();
  return span!;
}

describe("a traced route without exchange text", () => {
  it("has the HTTP details and the bodies' sizes, not the bodies", async () => {
    const response = await app.inject({ method: "POST", url: "/api/vote", payload: { choice: "tea" } });
    expect(response.statusCode).toBe(200);
    const span = serverSpan();
    expect(span.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/api/vote",
      "http.response.status_code": 200,
      "http.request.body.size": Buffer.byteLength('{"choice":"tea"}'),
      "http.response.body.size": Buffer.byteLength(response.body),
    });
    expect(span.attributes[SemanticConventions.INPUT_VALUE]).toBeUndefined();
    expect(span.attributes[SemanticConventions.OUTPUT_VALUE]).toBeUndefined();
  });

  it("a failed request: the output is the error the client was told, as text", async () => {
    const refused = await app.inject({ method: "POST", url: "/api/vote", payload: { choice: "none" } });
    expect(serverSpan().attributes).toMatchObject({
      [SemanticConventions.OUTPUT_VALUE]: "Pick a choice.",
      [SemanticConventions.OUTPUT_MIME_TYPE]: "text/plain",
      "http.response.status_code": refused.statusCode,
    });
  });

  it("a body the schema refuses: the output is the validation error", async () => {
    const invalid = await app.inject({ method: "POST", url: "/api/vote", payload: { vote: 1 } });
    expect(invalid.statusCode).toBe(400);
    expect(serverSpan().attributes[SemanticConventions.OUTPUT_VALUE]).toBe(invalid.json<{ error: string }>().error);
  });
});
