// The terminal client's own tracing: the client side of lesson 9. It records one CLIENT span per
// turn (chat.ts) and sends it where the app sends its spans, so that a terminal turn is one trace
// in Phoenix: the CLIENT span, the app's SERVER span below it, the chat turn below that.
// - The same target as the app, read by the same function (telemetry/telemetry-config.ts):
//   PHOENIX_COLLECTOR_ENDPOINT (or OTEL_EXPORTER_OTLP_*), protobuf, the Phoenix headers
//   (PHOENIX_API_KEY, ...), and the same project (PHOENIX_PROJECT_NAME): a trace split over two
//   projects would show as two halves.
// - SimpleSpanProcessor: one span per turn, sent as soon as it ends (shutdown() waits for it).
// - The W3C propagators: without them propagation.inject writes no traceparent and no baggage.
// - Phoenix not running: each export fails quietly (OpenTelemetry logs nothing unless asked) and
//   the chat goes on. Tracing off (OTEL_SDK_DISABLED=true, OTEL_TRACES_EXPORTER=none): no
//   provider at all, so no traceparent is sent (it would name a span that is never exported)
//   and the app starts the trace itself; the session id still goes as baggage.
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { SEMRESATTRS_PROJECT_NAME } from "@arizeai/openinference-semantic-conventions";
import { createOtlpExporter } from "../telemetry/otlp-exporter.ts";
import { readTelemetryConfig } from "../telemetry/telemetry-config.ts";

export const CLI_SERVICE_NAME = "workbook-chat-cli";
/**
 * How long one span's export may take, retries included (OTLP's default is 10 s): the exit waits
 * for the last one, and a Phoenix that is not running must not hold the terminal that long.
 */
const EXPORT_TIMEOUT_MS = 2000;

export interface ClientTracing {
  /** sends the span not yet sent (at most EXPORT_TIMEOUT_MS), then stops */
  shutdown(): Promise<void>;
}

export function setupClientTracing(env: NodeJS.ProcessEnv = process.env): ClientTracing {
  // Registered either way: the baggage (the session id) goes out with or without tracing.
  propagation.setGlobalPropagator(new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }));
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const config = readTelemetryConfig(env);
  if (config.tracingOff) return { shutdown: async () => {} };

  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: CLI_SERVICE_NAME, [SEMRESATTRS_PROJECT_NAME]: config.projectName }),
    spanProcessors: [new SimpleSpanProcessor(createOtlpExporter(config.otlp, { timeoutMillis: EXPORT_TIMEOUT_MS }))],
  });
  trace.setGlobalTracerProvider(provider);
  return { shutdown: () => provider.shutdown().catch(() => {}) };
}
