// The stress run's collector reads spans the way the app's exporter writes them: encoded here by
// @opentelemetry/otlp-transformer itself (what exporter-trace-otlp-proto sends), decoded back.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { expect, it } from "vitest";
import { decodeTraceExport, SPAN_KIND_SERVER, STATUS_ERROR, STATUS_OK } from "./otlp-protobuf.ts";

it("reads back every span, id, parent, kind, status, attribute and event that the OTLP protobuf serializer wrote", async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "stress-test" }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer("stress");
  const parent = tracer.startSpan("POST /api/chat", { kind: SpanKind.SERVER });
  parent.setAttributes({ "input.value": "héllo 👋", "http.response.status_code": 502, ratio: 0.25, ok: true, "tag.tags": ["a", "b"] });
  parent.recordException(new Error("model down"));
  parent.setStatus({ code: SpanStatusCode.ERROR, message: "HTTP 502" });
  const child = tracer.startSpan("chat_turn", {}, trace.setSpan(ROOT_CONTEXT, parent));
  child.setStatus({ code: SpanStatusCode.OK });
  child.end();
  parent.end();
  await provider.forceFlush();

  const spans = decodeTraceExport(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!);
  expect(spans.map((span) => span.name)).toEqual(["chat_turn", "POST /api/chat"]);
  const [turn, server] = spans as [(typeof spans)[0], (typeof spans)[0]];
  expect(server.traceId).toBe(parent.spanContext().traceId);
  expect(server.spanId).toBe(parent.spanContext().spanId);
  expect(server.parentSpanId).toBe("");
  expect(turn.parentSpanId).toBe(parent.spanContext().spanId);
  expect(server.kind).toBe(SPAN_KIND_SERVER);
  expect(server.status).toEqual({ code: STATUS_ERROR, message: "HTTP 502" });
  expect(turn.status.code).toBe(STATUS_OK);
  expect(server.attributes).toEqual({ "input.value": "héllo 👋", "http.response.status_code": 502, ratio: 0.25, ok: true, "tag.tags": ["a", "b"] });
  expect(server.events.map((event) => [event.name, event.attributes["exception.message"]])).toEqual([["exception", "model down"]]);
  expect(server.endTimeUnixNano).toBeGreaterThanOrEqual(server.startTimeUnixNano);
  expect(server.startTimeUnixNano).toBeGreaterThan(1.6e18); // nanoseconds since 1970, not cut to 32 bits
  expect(server.resource["service.name"]).toBe("stress-test");
});
