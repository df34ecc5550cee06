// The app's spans, captured the way the lessons' harness captures a learner's
// (shared/testing/capture-spans.ts), so the lessons' checks can read them: an in-memory exporter,
// and a record of the spans started and not yet ended. Two differences:
// - the provider has the app's own span limits, sampler and start times (tracing.ts), as `npm run app` has;
// - "the code under test returned" is the moment a request's SERVER span ends: every span of
//   its chat turn must have ended by then (the lessons' harness marks it when chatTurn returns).
import { context, SpanKind, trace, type Context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan, type Span, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import type { SpanCapture } from "../../../../shared/testing/capture-spans.ts";
import { PreciseStartProcessor } from "../precise-start.ts";
import { serverSampler, SPAN_LIMITS } from "../tracing.ts";

/** Remembers started spans until they end, and which of them were still open when their request's SERVER span ended. */
class RequestSpans implements SpanProcessor {
  readonly open = new Set<Span>();
  /** performance.now() at each span's start, by span id (what the lessons' capture keeps too) */
  readonly startedAt = new Map<string, number>();
  openAtRequestEnd: ReadableSpan[] = [];
  onStart(span: Span, _parentContext: Context): void {
    this.startedAt.set(span.spanContext().spanId, performance.now());
    this.open.add(span);
  }
  onEnd(span: ReadableSpan): void {
    this.open.delete(span as Span);
    if (span.kind !== SpanKind.SERVER) return;
    const traceId = span.spanContext().traceId;
    for (const other of this.open) if (other.spanContext().traceId === traceId) this.openAtRequestEnd.push(other as unknown as ReadableSpan);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/** Install before the app's modules are imported: their tracers then bind to this provider. */
export function installAppSpanCapture(): SpanCapture {
  const exporter = new InMemorySpanExporter();
  const requests = new RequestSpans();
  const provider = new BasicTracerProvider({
    spanLimits: SPAN_LIMITS,
    // the app's sampler, whatever OTEL_TRACES_SAMPLER the shell has
    sampler: serverSampler({}),
    spanProcessors: [new PreciseStartProcessor(), requests, new SimpleSpanProcessor(exporter)],
  });
  trace.disable();
  context.disable();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

  const capture = {
    finished: () => exporter.getFinishedSpans(),
    unended: () => [...requests.open] as unknown as ReadableSpan[],
    // Marked by each SERVER span's end instead.
    markReturned() {},
    openAtReturn: () => requests.openAtRequestEnd,
    startedAt: (span: ReadableSpan): number | undefined => requests.startedAt.get(span.spanContext().spanId),
    reset() {
      exporter.reset();
      requests.open.clear();
      requests.startedAt.clear();
      requests.openAtRequestEnd = [];
    },
    async uninstall() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
  return capture;
}
