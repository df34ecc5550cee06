// Lesson 1 checks the learner's setupTracing() itself: it is called with in-memory exporters,
// then ordinary OpenTelemetry API calls must reach them, with the right resource and parentage.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { context, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { SEMRESATTRS_PROJECT_NAME } from "@arizeai/openinference-semantic-conventions";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { afterEach, beforeEach, describe, it } from "vitest";
import { loadLesson } from "../../shared/testing/lesson-module.ts";
import { LessonFailure } from "../../shared/testing/lesson-failure.ts";

const lesson = await loadLesson<typeof import("./tracing.ts")>(import.meta.url, "tracing.ts");
const README = "lessons/01-tracer-setup/README.md";

function fail(headline: string, expected: string, got: string, hint: number): never {
  throw new LessonFailure(
    `${headline}\n  expected: ${expected}\n  got:      ${got}\n\n  Next: read hint ${hint} of lesson 1, in ${README}`,
  );
}

/** Runs the learner's setup with a fresh exporter and records one span through the global API. */
async function setUpAndRecordOneSpan(): Promise<{ exporter: InMemorySpanExporter; spans: ReadableSpan[] }> {
  const exporter = new InMemorySpanExporter();
  const provider = lesson.setupTracing({ exporters: [exporter] });
  trace.getTracer("lesson-1-check").startSpan("hello").end();
  await provider.forceFlush();
  return { exporter, spans: exporter.getFinishedSpans() };
}

beforeEach(() => {
  // Each check starts from an empty global registry, as a fresh process would.
  trace.disable();
  context.disable();
});
afterEach(() => {
  trace.disable();
  context.disable();
});

describe("lesson 1: tracer setup", () => {
  it("registers the provider globally, so a span made with trace.getTracer() is exported", async () => {
    const { spans } = await setUpAndRecordOneSpan();
    if (spans.length !== 1) {
      fail(
        "A span started with trace.getTracer(...).startSpan() never reached the exporter.",
        "1 exported span",
        `${spans.length} spans (without a registered provider and a span processor, tracers are no-ops)`,
        1,
      );
    }
  });

  it("sends every span to every exporter it is given", async () => {
    const first = new InMemorySpanExporter();
    const second = new InMemorySpanExporter();
    const provider = lesson.setupTracing({ exporters: [first, second] });
    trace.getTracer("lesson-1-check").startSpan("hello").end();
    await provider.forceFlush();
    const counts = [first.getFinishedSpans().length, second.getFinishedSpans().length];
    if (counts[0] !== 1 || counts[1] !== 1) {
      fail("Each exporter should receive the span.", "1 span in each of 2 exporters", `${counts.join(" and ")}`, 2);
    }
  });

  it("describes the service and the Phoenix project in the resource", async () => {
    const { spans } = await setUpAndRecordOneSpan();
    const resource = spans[0]?.resource.attributes ?? {};
    if (resource[ATTR_SERVICE_NAME] !== lesson.SERVICE_NAME) {
      fail(`The resource's "${ATTR_SERVICE_NAME}" is not the service name.`, JSON.stringify(lesson.SERVICE_NAME), JSON.stringify(resource[ATTR_SERVICE_NAME] ?? "(no span, or not set)"), 1);
    }
    if (resource[SEMRESATTRS_PROJECT_NAME] !== lesson.PROJECT_NAME) {
      fail(`The resource's "${SEMRESATTRS_PROJECT_NAME}" is not the project name.`, JSON.stringify(lesson.PROJECT_NAME), JSON.stringify(resource[SEMRESATTRS_PROJECT_NAME] ?? "(not set)"), 1);
    }
  });

  it("keeps a child span's parent across an await (context manager)", async () => {
    const exporter = new InMemorySpanExporter();
    const provider = lesson.setupTracing({ exporters: [exporter] });
    const tracer = trace.getTracer("lesson-1-check");
    await tracer.startActiveSpan("parent", async (parent) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      tracer.startSpan("child").end();
      parent.end();
    });
    await provider.forceFlush();
    const parent = exporter.getFinishedSpans().find((span) => span.name === "parent");
    const child = exporter.getFinishedSpans().find((span) => span.name === "child");
    if (!parent || !child) fail("The parent and child spans were not both exported.", "2 spans", `${exporter.getFinishedSpans().length}`, 1);
    if (child.parentSpanContext?.spanId !== parent.spanContext().spanId) {
      fail(
        "A span started after `await` inside an active span lost its parent.",
        `parent span id ${parent.spanContext().spanId}`,
        child.parentSpanContext ? `parent ${child.parentSpanContext.spanId}` : "no parent (a root span)",
        3,
      );
    }
  });

  it("exports to Phoenix as OTLP protobuf at PHOENIX_COLLECTOR_ENDPOINT/v1/traces", async () => {
    const received: Array<{ url: string | undefined; contentType: string | undefined; bytes: number }> = [];
    const server = createServer((request: IncomingMessage, response) => {
      let bytes = 0;
      request.on("data", (chunk: Buffer) => (bytes += chunk.length));
      request.on("end", () => {
        received.push({ url: request.url, contentType: request.headers["content-type"], bytes });
        response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      if (lesson.phoenixExporter({}) !== undefined) {
        fail("phoenixExporter() should return undefined when PHOENIX_COLLECTOR_ENDPOINT is not set.", "undefined", "an exporter", 4);
      }
      // A trailing slash, as people often write it: the spans must still go to /v1/traces.
      const exporter = lesson.phoenixExporter({ PHOENIX_COLLECTOR_ENDPOINT: `${endpoint}/` });
      if (!exporter) fail("phoenixExporter() returned nothing although PHOENIX_COLLECTOR_ENDPOINT is set.", "an OTLPTraceExporter", "undefined", 4);
      const provider = lesson.setupTracing({ exporters: [exporter] });
      trace.getTracer("lesson-1-check").startSpan("to-phoenix").end();
      await provider.shutdown();
      const request = received[0];
      if (!request) fail("No request reached the collector endpoint.", `POST ${endpoint}/v1/traces`, "nothing", 4);
      if (request.url !== "/v1/traces") fail("The exporter posts to the wrong path.", "/v1/traces", String(request.url), 4);
      if (request.contentType !== "application/x-protobuf") {
        fail("Phoenix accepts OTLP protobuf only.", "content-type application/x-protobuf", String(request.contentType), 4);
      }
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
