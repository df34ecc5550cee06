// Captures every span the code under test produces: a tracer provider with an in-memory
// exporter, registered globally together with the context manager, exactly as a learner's
// own setup would be. It also remembers spans that were started but never ended, which an
// exporter alone can never see, so the failure can name that classic mistake.
import { context, trace, type Context } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
  type Span,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";

export interface SpanCapture {
  /** spans that ended, in the order they ended */
  finished(): ReadableSpan[];
  /** spans that were started and have not ended (yet) */
  unended(): ReadableSpan[];
  /**
   * Remember which spans are open right now: call it the moment the code under test returns.
   * A span open then but ended later belongs to work the function did not wait for.
   */
  markReturned(): void;
  /** spans that were open at `markReturned()` */
  openAtReturn(): ReadableSpan[];
  /** forget every span captured so far */
  reset(): void;
  /** unregister the provider and context manager */
  uninstall(): Promise<void>;
}

/** Remembers started spans until they end. */
class StartedSpans implements SpanProcessor {
  readonly open = new Set<Span>();
  onStart(span: Span, _parentContext: Context): void {
    this.open.add(span);
  }
  onEnd(span: ReadableSpan): void {
    this.open.delete(span as Span);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

export function installSpanCapture(): SpanCapture {
  const exporter = new InMemorySpanExporter();
  const started = new StartedSpans();
  let openAtReturn: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({ spanProcessors: [started, new SimpleSpanProcessor(exporter)] });
  // Replace whatever was registered before: the global API only accepts a first registration.
  trace.disable();
  context.disable();
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());

  return {
    finished: () => exporter.getFinishedSpans(),
    unended: () => [...started.open] as unknown as ReadableSpan[],
    markReturned() {
      openAtReturn = [...started.open] as unknown as ReadableSpan[];
    },
    openAtReturn: () => openAtReturn,
    reset() {
      exporter.reset();
      started.open.clear();
      openAtReturn = [];
    },
    async uninstall() {
      await provider.shutdown();
      trace.disable();
      context.disable();
    },
  };
}
