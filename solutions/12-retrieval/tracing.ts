// Tracer setup: who produces spans (the provider), who they are about (the resource), and
// where they go (a processor per exporter). Every later lesson starts from this file.
// From the exporting lesson on, set up for production: spans leave in gzip batches, long
// conversations keep every attribute, and no span is lost when the process ends.
import { constants } from "node:os";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator, getNumberFromEnv, setGlobalErrorHandler } from "@opentelemetry/core";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { SEMRESATTRS_PROJECT_NAME } from "@arizeai/openinference-semantic-conventions";

export const SERVICE_NAME = "workbook-chatbot";
/** Phoenix files traces under this project (it creates the project on first sight). */
export const PROJECT_NAME = process.env.PHOENIX_PROJECT_NAME || "openinference-workbook";

/**
 * OpenTelemetry keeps 128 attributes per span and silently drops the rest: an LLM span with its
 * flattened messages passes that at about 55 messages, and the keys set last go (the output,
 * the token counts, the session id). 1024 holds a conversation of about 450 messages. Each
 * value is cut at 16 KiB: the request of a long conversation (input.value) may be cut, each
 * message is kept, and no span can hold more than about count x length characters.
 */
export const SPAN_LIMITS = { attributeCountLimit: 1024, attributeValueLengthLimit: 16 * 1024 };

export function setupTracing({ exporters }: { exporters: SpanExporter[] }): BasicTracerProvider {
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: SERVICE_NAME,
    [SEMRESATTRS_PROJECT_NAME]: PROJECT_NAME,
  });

  const provider = new BasicTracerProvider({
    resource,
    spanLimits: SPAN_LIMITS,
    // The keep-or-drop decision is made once, at the root, and every span below follows it:
    // an LLM trace is kept whole (a model call without its chat turn, or a turn without its
    // tool calls, explains nothing). OTEL_TRACES_SAMPLER_ARG is the share of new traces kept
    // (default 1: all); a caller's traceparent decides for the traces it starts.
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(getNumberFromEnv("OTEL_TRACES_SAMPLER_ARG") ?? 1) }),
    // Spans wait in a bounded queue (OTEL_BSP_MAX_QUEUE_SIZE, 2048) and leave in batches
    // (OTEL_BSP_MAX_EXPORT_BATCH_SIZE, 512) every OTEL_BSP_SCHEDULE_DELAY ms (5000), off the
    // chat's path. With the collector down, spans beyond the queue are dropped: memory stays bounded.
    spanProcessors: exporters.map((exporter) => new BatchSpanProcessor(exporter)),
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

  // A batch that fails in the background (the collector down, slow, refusing) goes to
  // OpenTelemetry's global error handler, which prints nothing by default. Say it once: a
  // collector down for an hour must not print a line every few seconds.
  let warned = false;
  const warnOnce = (error: unknown) => {
    if (warned) return;
    warned = true;
    const why = error instanceof Error ? error.message : String(error);
    console.warn(`Tracing: spans could not be exported (${why.split("\n")[0]}). The chatbot goes on; spans are dropped while this lasts, and this is said once.`);
  };
  setGlobalErrorHandler(warnOnce);

  flushBeforeExit(provider, warnOnce);
  return provider;
}

/** The provider the exit hooks flush: the last one set up (the hooks are added once per process). */
let providerAtExit: BasicTracerProvider | undefined;
let warnAtExit: (error: unknown) => void = () => {};

/**
 * The last spans of a process are still in the batch queue when it ends: the batch timer does
 * not keep a process alive. Shutting the provider down exports them, at the natural end of the
 * program (beforeExit) and on Ctrl-C or a stop (SIGINT, SIGTERM), which then end the process
 * as the signal would have. process.exit() skips all of this: call provider.shutdown() first.
 */
function flushBeforeExit(provider: BasicTracerProvider, warn: (error: unknown) => void): void {
  if (!providerAtExit) {
    process.once("beforeExit", () => void providerAtExit?.shutdown().catch(warnAtExit));
    for (const signal of ["SIGINT", "SIGTERM"] as const) {
      process.once(signal, () => {
        void (providerAtExit?.shutdown() ?? Promise.resolve()).catch(warnAtExit).finally(() => process.exit(128 + constants.signals[signal]));
      });
    }
  }
  providerAtExit = provider;
  warnAtExit = warn;
}

/**
 * Where the spans go: Phoenix (PHOENIX_COLLECTOR_ENDPOINT, e.g. http://localhost:6006), or a
 * collector in front of it (http://localhost:4318), or OTEL_EXPORTER_OTLP_ENDPOINT /
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, which win, as in every OpenTelemetry SDK. The exporter
 * reads the other OTEL_EXPORTER_OTLP_* variables itself (headers, timeout, compression).
 * Phoenix accepts OTLP over HTTP as protobuf only, hence the -proto exporter: the JSON one
 * (@opentelemetry/exporter-trace-otlp-http) is answered "415 Unsupported content type".
 */
export function phoenixExporter(env: NodeJS.ProcessEnv = process.env): SpanExporter | undefined {
  const endpoint = env.PHOENIX_COLLECTOR_ENDPOINT;
  const standardEndpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint && !standardEndpoint) return undefined;
  return new OTLPTraceExporter({
    // undefined: the exporter takes the standard variable.
    url: standardEndpoint ? undefined : `${endpoint!.replace(/\/+$/, "")}/v1/traces`,
    headers: {
      // Phoenix (or a gateway in front of it) reads the project from the header without decoding the spans.
      "x-project-name": PROJECT_NAME,
      // Phoenix Cloud and secured Phoenix servers want an API key; a local `phoenix serve` does not.
      ...(env.PHOENIX_API_KEY ? { authorization: `Bearer ${env.PHOENIX_API_KEY}` } : {}),
    },
    // Spans are repetitive text: gzip sends a fraction of the bytes. OTEL_EXPORTER_OTLP_COMPRESSION=none, when set, wins.
    compression: env.OTEL_EXPORTER_OTLP_TRACES_COMPRESSION || env.OTEL_EXPORTER_OTLP_COMPRESSION ? undefined : CompressionAlgorithm.GZIP,
  });
}
