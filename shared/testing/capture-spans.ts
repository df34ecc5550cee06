// Captures every span the code under test produces: a tracer provider with an in-memory
// exporter, registered globally together with the context manager and the W3C propagators,
// exactly as a learner's own setup would be (lesson 9 adds the propagators to it). It also remembers spans that were started but never ended, which an
// exporter alone can never see, so the failure can name that classic mistake.
import { DiagLogLevel, context, diag, propagation, trace, type Context, type DiagLogger, type TextMapPropagator, type TextMapSetter } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
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
  /**
   * performance.now() when the span started (its processor's onStart), so that its event and
   * end times (start + a performance.now() delta, as the SDK keeps them) can be put on the
   * performance.now() clock without mixing in Date.now().
   */
  startedAt?(span: ReadableSpan): number | undefined;
  /**
   * Keys whose value OpenTelemetry dropped since the last reset: setAttribute with an object (or a
   * list mixing types) sets nothing and only logs a warning, so the key then looks never set.
   */
  droppedValueKeys?(): ReadonlySet<string>;
  /** forget every span captured so far */
  reset(): void;
  /** register the capture's provider and the propagator again, after a check replaced them with a learner's own (the context manager was left in place) */
  reinstall?(): void;
  /** unregister the provider, context manager and propagator */
  uninstall(): Promise<void>;
}

/** Remembers started spans until they end. */
class StartedSpans implements SpanProcessor {
  readonly open = new Set<Span>();
  readonly startedAt = new Map<string, number>();
  onStart(span: Span, _parentContext: Context): void {
    this.startedAt.set(span.spanContext().spanId, performance.now());
    this.open.add(span);
  }
  onEnd(span: ReadableSpan): void {
    this.open.delete(span as Span);
  }
  async forceFlush(): Promise<void> {}
  async shutdown(): Promise<void> {}
}

/** What propagation.inject/extract use in the tests: W3C `traceparent` and `baggage`, as lesson 9's setup registers them. */
export function w3cPropagator(): TextMapPropagator {
  return new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator(), new InjectedMark()] });
}

/** The header the tests' propagator adds to whatever propagation.inject writes: headers without it were written some other way. */
export const INJECTED_MARK_HEADER = "x-workbook-injected";

/**
 * Marks the headers propagation.inject wrote. A team's propagators may write more than the two
 * W3C headers (tracestate, B3, a vendor's own): code that writes traceparent by hand sends none
 * of it, and the mark's absence shows that.
 */
class InjectedMark implements TextMapPropagator {
  inject(_context: Context, carrier: unknown, setter: TextMapSetter): void {
    setter.set(carrier, INJECTED_MARK_HEADER, "1");
  }
  extract(context: Context): Context {
    return context;
  }
  fields(): string[] {
    return [INJECTED_MARK_HEADER];
  }
}

export function installSpanCapture(): SpanCapture {
  const exporter = new InMemorySpanExporter();
  const started = new StartedSpans();
  let openAtReturn: ReadableSpan[] = [];
  const provider = new BasicTracerProvider({ spanProcessors: [started, new SimpleSpanProcessor(exporter)] });
  // Replace whatever was registered before: the global API only accepts a first registration.
  const register = () => {
    trace.disable();
    context.disable();
    propagation.disable();
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(w3cPropagator());
  };
  register();
  const dropped = new Set<string>();
  diag.setLogger(droppedValueLogger(dropped), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });

  return {
    finished: () => exporter.getFinishedSpans(),
    unended: () => [...started.open] as unknown as ReadableSpan[],
    markReturned() {
      openAtReturn = [...started.open] as unknown as ReadableSpan[];
    },
    openAtReturn: () => openAtReturn,
    startedAt: (span) => started.startedAt.get(span.spanContext().spanId),
    droppedValueKeys: () => dropped,
    reset() {
      dropped.clear();
      exporter.reset();
      started.open.clear();
      started.startedAt.clear();
      openAtReturn = [];
    },
    // The context manager stays: disabling it would exit every context it holds (a server's,
    // started inside a span), and a check that swapped providers never replaced it.
    reinstall() {
      trace.disable();
      propagation.disable();
      trace.setGlobalTracerProvider(provider);
      propagation.setGlobalPropagator(w3cPropagator());
    },
    async uninstall() {
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
      diag.disable();
    },
  };
}

/** Notes the key of each attribute value the SDK refused ("Invalid attribute value set for key: <key>"). */
function droppedValueLogger(dropped: Set<string>): DiagLogger {
  const note = (message: string) => {
    const key = /^Invalid attribute value set for key: (.*)$/.exec(message)?.[1];
    if (key !== undefined) dropped.add(key);
  };
  const ignore = () => {};
  return { error: ignore, warn: note, info: ignore, debug: ignore, verbose: ignore };
}
