// The app's batches: at most EXPORT_BATCH_SIZE spans each (a batch is encoded on the event loop,
// all at once), unless OTEL_BSP_MAX_EXPORT_BATCH_SIZE says otherwise.
import { trace } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { afterEach, expect, it, vi } from "vitest";
import { EXPORT_BATCH_SIZE, setupTracing } from "./tracing.ts";

/** An exporter that notes the size of each batch it is given. */
function batchSizes(): { exporter: SpanExporter; sizes: number[] } {
  const sizes: number[] = [];
  return {
    sizes,
    exporter: {
      export: (spans: ReadableSpan[], done) => {
        sizes.push(spans.length);
        done({ code: ExportResultCode.SUCCESS });
      },
      shutdown: async () => {},
    },
  };
}

afterEach(() => {
  vi.unstubAllEnvs();
  trace.disable();
});

async function endSpans(count: number): Promise<number[]> {
  const { exporter, sizes } = batchSizes();
  const provider = setupTracing({ projectName: "batches", exporter, env: {} });
  for (let i = 0; i < count; i++) trace.getTracer("batches").startSpan(`span ${i}`).end();
  await provider.forceFlush();
  await provider.shutdown();
  return sizes;
}

it(`sends batches of at most ${EXPORT_BATCH_SIZE} spans, and every span`, async () => {
  const sizes = await endSpans(300);
  expect(Math.max(...sizes)).toBeLessThanOrEqual(EXPORT_BATCH_SIZE);
  expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(300);
});

it("OTEL_BSP_MAX_EXPORT_BATCH_SIZE still sets the batch size", async () => {
  vi.stubEnv("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "512");
  vi.stubEnv("OTEL_BSP_SCHEDULE_DELAY", "60000");
  expect(await endSpans(300)).toEqual([300]);
});
