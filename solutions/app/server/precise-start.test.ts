// Phoenix orders sibling spans by their start time. OpenTelemetry JS starts spans on whole
// milliseconds; the app's spans start to the microsecond (precise-start.ts), so two siblings
// started in order within one millisecond keep that order.
import { context, trace, type HrTime, type Span, type Tracer } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, describe, expect, it } from "vitest";
import { setupTracing } from "./tracing.ts";

const exported = new InMemorySpanExporter();
const provider = setupTracing({ projectName: "precise-start", exporter: exported, processor: "simple", env: {} });
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});

/** nanoseconds since the epoch, exactly (a number would round them) */
const ns = ([seconds, nanos]: HrTime) => BigInt(seconds) * 1_000_000_000n + BigInt(nanos);

/**
 * A parent and two children started one after the other, the second after the first has ended,
 * with an event on the first: done again until both children started within the same wall-clock
 * millisecond (what Date.now() says before the first and after the second).
 */
function siblingsInOneMillisecond(tracer: Tracer, exporter: InMemorySpanExporter): { parent: ReadableSpan; first: ReadableSpan; second: ReadableSpan } {
  for (let attempt = 0; attempt < 100; attempt++) {
    exporter.reset();
    let before = 0;
    let after = -1;
    tracer.startActiveSpan("parent", (parent: Span) => {
      before = Date.now();
      const first = tracer.startSpan("first");
      first.addEvent("inside first");
      first.end();
      tracer.startSpan("second").end();
      after = Date.now();
      parent.end();
    });
    if (before === after) {
      const byName = (name: string) => exporter.getFinishedSpans().find((span) => span.name === name)!;
      return { parent: byName("parent"), first: byName("first"), second: byName("second") };
    }
  }
  throw new Error("no attempt of 100 started both spans within one millisecond");
}

describe("span start times", () => {
  it("two siblings started in order within one millisecond keep that order in their start times", () => {
    const { parent, first, second } = siblingsInOneMillisecond(trace.getTracer("precise-start-test"), exported);
    expect(ns(second.startTime), "the second sibling starts after the first").toBeGreaterThan(ns(first.startTime));
    expect(ns(second.startTime), "... and after the first has ended").toBeGreaterThanOrEqual(ns(first.endTime));
    // End and event times follow the moved start: nothing comes before its span's start.
    expect(ns(first.startTime)).toBeGreaterThanOrEqual(ns(parent.startTime));
    expect(ns(first.events[0]!.time)).toBeGreaterThanOrEqual(ns(first.startTime));
    expect(ns(first.endTime)).toBeGreaterThanOrEqual(ns(first.events[0]!.time));
    expect(ns(parent.endTime)).toBeGreaterThanOrEqual(ns(second.endTime));
    // The trace stays on the wall clock: its root starts where the SDK put it, on a whole millisecond.
    expect(ns(parent.startTime) % 1_000_000n).toBe(0n);
  });

  it("without it, OpenTelemetry JS gives both the same start: whole milliseconds (the reason for precise-start.ts; when this fails, the SDK keeps sub-millisecond starts itself)", () => {
    const plain = new InMemorySpanExporter();
    const sdkOnly = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(plain)] });
    const { first, second } = siblingsInOneMillisecond(sdkOnly.getTracer("sdk-only"), plain);
    expect(ns(first.startTime) % 1_000_000n).toBe(0n);
    expect(ns(second.startTime)).toBe(ns(first.startTime));
  });

  it("the SDK keeps the performance.now() reading each span's times are measured from (precise-start.ts reads it; when this fails, the SDK renamed it)", () => {
    const span = new BasicTracerProvider().getTracer("sdk-only").startSpan("any");
    expect(typeof (span as unknown as { _performanceStartTime?: unknown })._performanceStartTime).toBe("number");
    span.end();
  });
});
