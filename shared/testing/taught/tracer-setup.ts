// What the tracer-setup lesson taught, checked on any lesson's tracing.ts: setupTracing() registers a provider
// and a context manager globally, describes the service and the Phoenix project, sends every
// span to every exporter, and phoenixExporter() speaks OTLP protobuf to Phoenix with its key.
// Each check runs the learner's setup from an empty global registry and leaves it empty again.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { context, propagation, trace } from "@opentelemetry/api";
import { InMemorySpanExporter, type BasicTracerProvider, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { SEMRESATTRS_PROJECT_NAME } from "@arizeai/openinference-semantic-conventions";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { lessonNamed, type Lesson } from "../../lessons/catalog.ts";
import { hintReference } from "../../lessons/check-contract.ts";
import { recordChecked } from "../checked-keys.ts";
import { LessonFailure } from "../lesson-failure.ts";

/** What a lesson's tracing.ts exports (the tracer-setup lesson writes it; later lessons keep it). */
export interface TracingModule {
  SERVICE_NAME: string;
  PROJECT_NAME: string;
  setupTracing(options: { exporters: SpanExporter[] }): BasicTracerProvider;
  phoenixExporter(env?: NodeJS.ProcessEnv): SpanExporter | undefined;
}

export type TracerSetupCheck = "registers" | "everyExporter" | "resource" | "contextManager" | "phoenixExporter";

/** The checks, bound to the lesson whose tests call them (a later lesson's failures say "Taught in lesson N"). */
export function tracerSetupChecks(tracing: TracingModule, lesson: Pick<Lesson, "number">): Record<TracerSetupCheck, () => Promise<void>> {
  const taughtBy = lessonNamed("tracer-setup");
  const fail = (headline: string, expected: string, got: string, hint: number): never => {
    const prefix = lesson.number > taughtBy.number ? `Taught in lesson ${taughtBy.number} (${taughtBy.title}), in this lesson's tracing.ts: ` : "";
    throw new LessonFailure(`${prefix}${headline}\n  expected: ${expected}\n  got:      ${got}\n\n  Next: read ${hintReference(taughtBy, hint)}`);
  };

  /** Runs the learner's setup with a fresh exporter and records one span through the global API. */
  const setUpAndRecordOneSpan = async (): Promise<ReadableSpan[]> => {
    const exporter = new InMemorySpanExporter();
    const provider = tracing.setupTracing({ exporters: [exporter] });
    trace.getTracer("lesson-1-check").startSpan("hello").end();
    await provider.forceFlush();
    return exporter.getFinishedSpans();
  };

  const checks: Record<TracerSetupCheck, () => Promise<void>> = {
    async registers() {
      recordChecked("trace.getTracer");
      const spans = await setUpAndRecordOneSpan();
      if (spans.length !== 1) {
        fail(
          "A span started with trace.getTracer(...).startSpan() never reached the exporter.",
          "1 exported span",
          `${spans.length} spans (without a registered provider and a span processor, tracers are no-ops)`,
          1,
        );
      }
    },
    async everyExporter() {
      recordChecked("exporters");
      const first = new InMemorySpanExporter();
      const second = new InMemorySpanExporter();
      const provider = tracing.setupTracing({ exporters: [first, second] });
      trace.getTracer("lesson-1-check").startSpan("hello").end();
      await provider.forceFlush();
      const counts = [first.getFinishedSpans().length, second.getFinishedSpans().length];
      if (counts[0] !== 1 || counts[1] !== 1) fail("Each exporter should receive the span.", "1 span in each of 2 exporters", `${counts.join(" and ")}`, 2);
    },
    async resource() {
      recordChecked(ATTR_SERVICE_NAME);
      recordChecked(SEMRESATTRS_PROJECT_NAME);
      const spans = await setUpAndRecordOneSpan();
      const resource = spans[0]?.resource.attributes ?? {};
      if (resource[ATTR_SERVICE_NAME] !== tracing.SERVICE_NAME) {
        fail(`The resource's "${ATTR_SERVICE_NAME}" is not the service name.`, JSON.stringify(tracing.SERVICE_NAME), JSON.stringify(resource[ATTR_SERVICE_NAME] ?? "(no span, or not set)"), 1);
      }
      if (resource[SEMRESATTRS_PROJECT_NAME] !== tracing.PROJECT_NAME) {
        fail(`The resource's "${SEMRESATTRS_PROJECT_NAME}" is not the project name.`, JSON.stringify(tracing.PROJECT_NAME), JSON.stringify(resource[SEMRESATTRS_PROJECT_NAME] ?? "(not set)"), 1);
      }
    },
    async contextManager() {
      recordChecked("parent");
      const exporter = new InMemorySpanExporter();
      const provider = tracing.setupTracing({ exporters: [exporter] });
      const tracer = trace.getTracer("lesson-1-check");
      await tracer.startActiveSpan("parent", async (parent) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        tracer.startSpan("child").end();
        parent.end();
      });
      await provider.forceFlush();
      const parent = exporter.getFinishedSpans().find((span) => span.name === "parent");
      const child = exporter.getFinishedSpans().find((span) => span.name === "child");
      if (!parent || !child) return fail("The parent and child spans were not both exported.", "2 spans", `${exporter.getFinishedSpans().length}`, 1);
      if (child.parentSpanContext?.spanId !== parent.spanContext().spanId) {
        fail(
          "A span started after `await` inside an active span lost its parent.",
          `parent span id ${parent.spanContext().spanId}`,
          child.parentSpanContext ? `parent ${child.parentSpanContext.spanId}` : "no parent (a root span)",
          3,
        );
      }
    },
    async phoenixExporter() {
      for (const checked of ["phoenixExporter", "content-type", "authorization"]) recordChecked(checked);
      const collector = await startFakeCollector();
      try {
        if (tracing.phoenixExporter({}) !== undefined) {
          fail("phoenixExporter() should return undefined when PHOENIX_COLLECTOR_ENDPOINT is not set.", "undefined", "an exporter", 4);
        }
        // A trailing slash, as people often write it: the spans must still go to /v1/traces.
        for (const apiKey of ["workbook-test-key", undefined]) {
          const env = { PHOENIX_COLLECTOR_ENDPOINT: `${collector.endpoint}/`, ...(apiKey ? { PHOENIX_API_KEY: apiKey } : {}) };
          const exporter = tracing.phoenixExporter(env);
          if (!exporter) return fail("phoenixExporter() returned nothing although PHOENIX_COLLECTOR_ENDPOINT is set.", "an OTLPTraceExporter", "undefined", 4);
          const provider = tracing.setupTracing({ exporters: [exporter] });
          trace.getTracer("lesson-1-check").startSpan("to-phoenix").end();
          await shutdownWithin(provider, EXPORT_WAIT_MS);
          resetGlobals();
          const request = collector.received.shift();
          if (!request) return fail("No request reached the collector endpoint.", `POST ${collector.endpoint}/v1/traces`, "nothing", 4);
          if (request.url !== "/v1/traces") fail("The exporter posts to the wrong path.", "/v1/traces", String(request.url), 4);
          if (request.contentType !== "application/x-protobuf") {
            fail("Phoenix accepts OTLP protobuf only.", "content-type application/x-protobuf", String(request.contentType), 4);
          }
          const expected = apiKey ? `Bearer ${apiKey}` : undefined;
          if (request.authorization !== expected) {
            fail(
              !apiKey
                ? "No PHOENIX_API_KEY is set, yet the exporter sends an authorization header."
                : request.authorization === undefined
                  ? "PHOENIX_API_KEY is set, but the exporter does not send it."
                  : 'The exporter sends PHOENIX_API_KEY, but not as "Bearer <key>" (the word Bearer, capitalised, a space, then the key).',
              apiKey ? `authorization: Bearer ${apiKey}` : "no authorization header",
              request.authorization === undefined ? "no authorization header" : `authorization: ${request.authorization.replace(/\S{6}$/, "******")}`,
              4,
            );
          }
        }
      } finally {
        await collector.close();
      }
    },
  };
  // Each check starts from an empty global registry, as a fresh process would, and leaves it empty.
  return Object.fromEntries(
    Object.entries(checks).map(([name, check]) => [
      name,
      async () => {
        resetGlobals();
        try {
          await check();
        } finally {
          resetGlobals();
        }
      },
    ]),
  ) as Record<TracerSetupCheck, () => Promise<void>>;
}

/**
 * How long the check waits for the span to reach the fake collector on this machine (it takes
 * milliseconds). An exporter sent elsewhere (no url, the wrong port) retries until its own 10 s
 * timeout: the learner is told sooner, and the rest of the export runs on unobserved.
 */
const EXPORT_WAIT_MS = 3_000;

async function shutdownWithin(provider: BasicTracerProvider, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  const shutdown = provider.shutdown();
  shutdown.catch(() => undefined); // a failure after the deadline is nobody's to report
  await Promise.race([shutdown, deadline]).finally(() => clearTimeout(timer));
}

function resetGlobals(): void {
  trace.disable();
  context.disable();
  // From the http-boundary lesson on, setupTracing also registers propagators.
  propagation.disable();
}

interface FakeCollector {
  endpoint: string;
  received: Array<{ url: string | undefined; contentType: string | undefined; authorization: string | undefined }>;
  close(): Promise<void>;
}

async function startFakeCollector(): Promise<FakeCollector> {
  const received: FakeCollector["received"] = [];
  const server = createServer((request: IncomingMessage, response) => {
    request.resume();
    request.on("end", () => {
      received.push({ url: request.url, contentType: request.headers["content-type"], authorization: request.headers.authorization });
      response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
