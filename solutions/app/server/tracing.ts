// Tracer setup for a server: as lesson 1 teaches, with what production adds.
// - BatchSpanProcessor: spans are exported in the background in batches, never on the
//   request's path; smaller and sooner batches than OpenTelemetry's (see EXPORT_BATCH_SIZE).
//   Its queue is bounded by count (2048 spans by default, OTEL_BSP_MAX_QUEUE_SIZE) and here
//   also by size (APP_SPAN_QUEUE_MAX_BYTES, see bounded-span-processor.ts): with
//   Phoenix down or hanging, new spans are dropped instead of piling up in memory.
// - Span limits sized for the API's own limits (limits.ts): OpenTelemetry's default of 128
//   attributes per span would silently drop the end of every long conversation's LLM spans.
// - A sampler that records every chat turn: a client's `traceparent` ending in `-00` ("not
//   sampled") does not switch tracing off for the server (see serverSampler).
// - OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none: nothing is recorded or sent.
// - Flush on exit: the last batch is still in memory when SIGINT/SIGTERM arrives (see main.ts).
// - Start times to the microsecond, not OpenTelemetry JS's whole milliseconds, so that Phoenix
//   lists sibling spans in the order they started (precise-start.ts).
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  ParentBasedSampler,
  SimpleSpanProcessor,
  type Sampler,
  type SpanExporter,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import { SEMRESATTRS_PROJECT_NAME } from "@arizeai/openinference-semantic-conventions";
import { BoundedBatchSpanProcessor } from "./bounded-span-processor.ts";
import { PreciseStartProcessor } from "./precise-start.ts";
import { DEFAULT_SPAN_QUEUE_MAX_BYTES, SPAN_ATTRIBUTE_COUNT_LIMIT, SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT } from "./limits.ts";

export const SERVICE_NAME = "workbook-chatbot-app";

/**
 * Batches of at most 128 spans, sent within a second, instead of OpenTelemetry's 512 spans and
 * 5 s (OTEL_BSP_MAX_EXPORT_BATCH_SIZE and OTEL_BSP_SCHEDULE_DELAY still win). A batch is encoded
 * to protobuf in one go, on the event loop, and no request is served meanwhile: 512 spans of
 * 100-message conversations take about 55 ms of CPU to encode, 128 a quarter of that. And fewer
 * spans wait in memory for their batch (`npm run bench` measures both: p99, peak RSS).
 */
export const EXPORT_BATCH_SIZE = 128;
export const EXPORT_DELAY_MS = 1000;

export const SPAN_LIMITS = {
  attributeCountLimit: SPAN_ATTRIBUTE_COUNT_LIMIT,
  attributeValueLengthLimit: SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT,
} as const;

export interface TracingOptions {
  /** openinference.project.name: the Phoenix project the traces are filed under */
  projectName: string;
  exporter: SpanExporter;
  /** "batch" for the server (default); "simple" exports each span on end(), for tests */
  processor?: "batch" | "simple";
  /** the batch queue's size bound; default APP_SPAN_QUEUE_MAX_BYTES or 64 MiB */
  maxQueueBytes?: number;
  /** told when the batch queue is full and spans are dropped */
  warn?: (message: string) => void;
  /** why nothing is traced (readTelemetryConfig's tracingOff); undefined: tracing on */
  tracingOff?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Every chat turn is recorded. The default sampler (parent-based) would follow the client's
 * `traceparent` flag, so any client could switch the server's tracing off with `-00`, and the
 * answer would name a trace and a span that were never recorded (a dead "view trace" link,
 * feedback on nothing). A server that is the start of its own story samples its roots itself:
 * the remote parent's trace id is kept (one trace with the client), its flag is not.
 * Spans below a local parent follow that parent, as usual.
 * OTEL_TRACES_SAMPLER, when set, wins (e.g. `always_off` to measure the app untraced).
 */
export function serverSampler(env: NodeJS.ProcessEnv = process.env): Sampler | undefined {
  if (env.OTEL_TRACES_SAMPLER) return undefined; // the SDK builds the sampler from the environment
  return new ParentBasedSampler({
    root: new AlwaysOnSampler(),
    remoteParentSampled: new AlwaysOnSampler(),
    remoteParentNotSampled: new AlwaysOnSampler(),
  });
}

export function setupTracing({ projectName, exporter, processor = "batch", maxQueueBytes, warn, tracingOff, env = process.env }: TracingOptions): BasicTracerProvider {
  const resource = resourceFromAttributes({
    [ATTR_SERVICE_NAME]: SERVICE_NAME,
    [SEMRESATTRS_PROJECT_NAME]: projectName,
  });
  const off = tracingOff;
  // Tracing off: spans are not recorded at all (they cost next to nothing), and answers carry no ids.
  const spanProcessors: SpanProcessor[] = off
    ? []
    : [
        // First: the others see each span with its start to the microsecond (precise-start.ts).
        new PreciseStartProcessor(),
        processor === "batch"
          ? // The batch processor reads OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_MAX_EXPORT_BATCH_SIZE, ... from the
            // environment (process.env) when they are set; otherwise the app's own batch size and delay.
            new BoundedBatchSpanProcessor(exporter, {
              maxQueueBytes: maxQueueBytes ?? readQueueBytes(env),
              maxExportBatchSize: process.env.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ? undefined : EXPORT_BATCH_SIZE,
              scheduledDelayMillis: process.env.OTEL_BSP_SCHEDULE_DELAY ? undefined : EXPORT_DELAY_MS,
              onDrop: warn,
            })
          : new SimpleSpanProcessor(exporter),
      ];
  // No sampler key at all when OTEL_TRACES_SAMPLER chooses one: an explicit undefined would
  // override the sampler the SDK builds from the environment.
  const sampler = off ? new AlwaysOffSampler() : serverSampler(env);
  const provider = new BasicTracerProvider({ resource, spanLimits: SPAN_LIMITS, ...(sampler ? { sampler } : {}), spanProcessors });
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  return provider;
}

function readQueueBytes(env: NodeJS.ProcessEnv): number {
  const text = env.APP_SPAN_QUEUE_MAX_BYTES;
  if (text === undefined || text === "") return DEFAULT_SPAN_QUEUE_MAX_BYTES;
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`APP_SPAN_QUEUE_MAX_BYTES must be a whole number of bytes, not "${text}".`);
  return value;
}
