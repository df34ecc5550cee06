// Tracer setup: who produces spans (the provider), who they are about (the resource), and
// where they go (a processor per exporter). Every later lesson starts from this file.
// This lesson sets it up for production: lessons/11-exporting/README.md says why each setting.
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { SEMRESATTRS_PROJECT_NAME } from "@arizeai/openinference-semantic-conventions";

export const SERVICE_NAME = "workbook-chatbot";
/** Phoenix files traces under this project (it creates the project on first sight). */
export const PROJECT_NAME = process.env.PHOENIX_PROJECT_NAME || "openinference-workbook";

export function setupTracing({ exporters }: { exporters: SpanExporter[] }): BasicTracerProvider {
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: SERVICE_NAME,
    [SEMRESATTRS_PROJECT_NAME]: PROJECT_NAME,
  });

  // Lesson 1's SimpleSpanProcessor exports each span the moment it ends, one request each, on the
  // chat's path; a server batches instead (below).
  const provider = new BasicTracerProvider({
    resource,
    // TODO 1: raise the span limits (spanLimits: attributeCountLimit for the longest conversation, attributeValueLengthLimit to cap each value): past about 55 messages the SDK's 128 drops the LLM span's output, token counts and session id.
    // TODO 2: a sampler that decides once per trace (ParentBasedSampler around a TraceIdRatioBasedSampler, its ratio from OTEL_TRACES_SAMPLER_ARG, 1 when unset), so LLM traces are kept or dropped whole.
    // TODO 3: batch: a BatchSpanProcessor per exporter instead (its queue is bounded; OTEL_BSP_* set its sizes), so no export sits on the chat's path.
    spanProcessors: exporters.map((exporter) => new SimpleSpanProcessor(exporter)),
  });

  // trace.getTracer(...) anywhere in the program now returns tracers of this provider.
  trace.setGlobalTracerProvider(provider);

  // Without a context manager the "current span" is forgotten across `await`,
  // and every span becomes the root of its own trace.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

  // What propagation.inject and propagation.extract write and read: the W3C headers `traceparent`
  // (the trace and the calling span) and `baggage` (key=value pairs such as the session id).
  // BasicTracerProvider registers no propagator, and without one both silently do nothing.
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );

  // TODO 4: say once when spans cannot be exported (setGlobalErrorHandler from @opentelemetry/core): failed batches are silent by default, and a warning per batch floods the terminal.

  // TODO 5: flush before the process ends: at its natural end (beforeExit) and on SIGINT/SIGTERM (then end it), or the last batch is lost.

  return provider;
}

/**
 * Where Phoenix listens, when PHOENIX_COLLECTOR_ENDPOINT is set (e.g. http://localhost:6006).
 * Phoenix accepts OTLP over HTTP as protobuf only, hence the -proto exporter: the JSON one
 * (@opentelemetry/exporter-trace-otlp-http) is answered "415 Unsupported content type".
 */
export function phoenixExporter(env: NodeJS.ProcessEnv = process.env): SpanExporter | undefined {
  const endpoint = env.PHOENIX_COLLECTOR_ENDPOINT;
  if (!endpoint) return undefined;
  // TODO 6: gzip the exports (compression: CompressionAlgorithm.GZIP unless OTEL_EXPORTER_OTLP_COMPRESSION is set) and name the project in an x-project-name header.
  return new OTLPTraceExporter({
    url: `${endpoint.replace(/\/+$/, "")}/v1/traces`,
    // Phoenix Cloud and secured Phoenix servers want an API key; a local `phoenix serve` does not.
    headers: env.PHOENIX_API_KEY ? { authorization: `Bearer ${env.PHOENIX_API_KEY}` } : {},
  });
}
