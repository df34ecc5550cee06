// Span start times below the millisecond, so that Phoenix lists siblings in the order they ran.
//
// OpenTelemetry JS stamps a span's start with Date.now(), whole milliseconds
// (@opentelemetry/sdk-trace 2.12, the SpanImpl constructor: `const now = Date.now()` ...
// `this.startTime = this._getTime(opts.startTime ?? now)`). Its end and its events are that start
// plus the time performance.now() measured since, to the microsecond. Two siblings started
// within one millisecond (a tool call's TOOL span and the next model call's LLM span) get the
// same start, and Phoenix, which orders siblings by start time, may list the later one first.
// Passing startTime to startSpan does not help: a span given its start takes its end and event
// times from Date.now() as well (`_startTimeProvided`), whole milliseconds again.
//
// So this processor, first in the provider's list, moves each span's start onto a clock that
// keeps the microseconds, as OpenTelemetry Java's AnchoredClock does: anchored once per trace to
// the wall clock (the start the SDK gave the trace's first span here), then advanced by
// performance.now(). Within a trace the order and the gaps are exact; each trace starts on the
// wall clock again, so the monotonic clock's drift from it (the reason the SDK stopped using it
// for starts) cannot build up. The SDK adds elapsed time to this start for the span's end and
// events, so they move with it. precise-start.test.ts holds the SDK to this.
import { trace, type Context, type HrTime } from "@opentelemetry/api";
import { addHrTimes, millisToHrTime } from "@opentelemetry/core";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

interface Anchor {
  /** the wall-clock start of the trace's first span in this process */
  time: HrTime;
  /** performance.now() at that start (the SDK's own reading, taken when it made the span) */
  at: number;
}

export class PreciseStartProcessor implements SpanProcessor {
  /** each live span's anchor: its children take it over */
  private readonly anchors = new WeakMap<object, Anchor>();

  onStart(span: Span, parentContext: Context): void {
    // The performance.now() the SDK took when it made the span: its end and event times are this
    // span's start plus the time since then, so the moved start must be measured from the same
    // moment (a later performance.now() here would push a child's end past its parent's).
    const now = (span as unknown as { _performanceStartTime?: number })._performanceStartTime ?? performance.now();
    const parent = trace.getSpan(parentContext);
    const anchor = (parent && this.anchors.get(parent)) ?? { time: span.startTime, at: now };
    this.anchors.set(span, anchor);
    (span as { startTime: HrTime }).startTime = addHrTimes(anchor.time, millisToHrTime(now - anchor.at));
  }

  onEnd(_span: ReadableSpan): void {}

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}
