// Tracer setup for a server: as lesson 1 teaches, with what production adds.
// - BatchSpanProcessor: spans are exported in the background in batches, never on the
//   request's path. Its queue is bounded (2048 spans by default, OTEL_BSP_MAX_QUEUE_SIZE):
//   with Phoenix down, new spans are dropped instead of piling up in memory.
// - Flush on exit: the last batch is still in memory when SIGINT/SIGTERM arrives (see main.ts).
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  SimpleSpanProcessor,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { SEMRESATTRS_PROJECT_NAME } from "@arizeai/openinference-semantic-conventions";

export const SERVICE_NAME = "workbook-chatbot-app";

export interface TracingOptions {
  /** openinference.project.name: the Phoenix project the traces are filed under */
  projectName: string;
  exporter: SpanExporter;
  /** "batch" for the server (default); "simple" exports each span on end(), for tests */
  processor?: "batch" | "simple";
}

export function setupTracing({ projectName, exporter, processor = "batch" }: TracingOptions): BasicTracerProvider {
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: SERVICE_NAME,
    [SEMRESATTRS_PROJECT_NAME]: projectName,
  });
  // BatchSpanProcessor reads OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_MAX_QUEUE_SIZE, ... from the environment.
  const spanProcessor: SpanProcessor = processor === "batch" ? new BatchSpanProcessor(exporter) : new SimpleSpanProcessor(exporter);
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return provider;
}
