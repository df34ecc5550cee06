// Tracer setup: who produces spans (the provider), who they are about (the resource), and
// where they go (a processor per exporter). Every later lesson starts from this file.
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { SEMRESATTRS_PROJECT_NAME } from "@arizeai/openinference-semantic-conventions";

export const SERVICE_NAME = "workbook-chatbot";
/** Phoenix files traces under this project (it creates the project on first sight). */
export const PROJECT_NAME = process.env.PHOENIX_PROJECT_NAME || "openinference-workbook";

export function setupTracing({ exporters }: { exporters: SpanExporter[] }): BasicTracerProvider {
  // TODO 1: build a resource (resourceFromAttributes) naming the service (ATTR_SERVICE_NAME) and the Phoenix project (SEMRESATTRS_PROJECT_NAME).

  // TODO 2: give the provider that resource and one SimpleSpanProcessor per exporter (constructor options: resource, spanProcessors).
  const provider = new BasicTracerProvider();

  // TODO 3: register the provider globally (trace.setGlobalTracerProvider), so trace.getTracer() anywhere uses it.

  // TODO 4: register an AsyncLocalStorageContextManager (context.setGlobalContextManager), so child spans keep their parent across await.

  return provider;
}

/**
 * Where Phoenix listens, when PHOENIX_COLLECTOR_ENDPOINT is set (e.g. http://localhost:6006).
 */
export function phoenixExporter(env: NodeJS.ProcessEnv = process.env): SpanExporter | undefined {
  const endpoint = env.PHOENIX_COLLECTOR_ENDPOINT;
  if (!endpoint) return undefined;
  // TODO 5: return an OTLPTraceExporter (the protobuf one, imported above) sending to `${endpoint}/v1/traces` (drop a trailing "/" from
  //       the endpoint first), with PHOENIX_API_KEY as a Bearer token (authorization header) when set.
  return undefined;
}
