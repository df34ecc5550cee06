// Tracer setup: who produces spans (the provider), who they are about (the resource), and
// where they go (a processor per exporter). Every later lesson starts from this file.
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

  // SimpleSpanProcessor exports each span as soon as it ends: right for lessons and tests.
  // A server batches instead (BatchSpanProcessor); see the finished app.
  const provider = new BasicTracerProvider({
    resource,
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
  return new OTLPTraceExporter({
    url: `${endpoint.replace(/\/+$/, "")}/v1/traces`,
    // Phoenix Cloud and secured Phoenix servers want an API key; a local `phoenix serve` does not.
    headers: env.PHOENIX_API_KEY ? { authorization: `Bearer ${env.PHOENIX_API_KEY}` } : {},
  });
}
