// A BatchSpanProcessor whose queue is bounded by size as well as by count. OpenTelemetry bounds
// the queue by span count only (OTEL_BSP_MAX_QUEUE_SIZE, 2048): with a collector that hangs and
// large conversations (each LLM span holds the conversation twice), 2048 spans can be gigabytes.
// Here a span counts from the moment it ends until its export has finished (sent, failed or
// timed out): while the spans held would exceed the byte budget or the count, new ones are
// dropped, and `dropped` says how many.
import { TraceFlags, type AttributeValue, type Attributes, type Context } from "@opentelemetry/api";
import type { ExportResult } from "@opentelemetry/core";
import { BatchSpanProcessor, type ReadableSpan, type Span, type SpanExporter, type SpanProcessor } from "@opentelemetry/sdk-trace-base";

export interface BoundedQueueOptions {
  /** estimated bytes of the spans held (ended, not yet exported) */
  maxQueueBytes: number;
  /** spans held; default OTEL_BSP_MAX_QUEUE_SIZE or 2048 */
  maxQueueSize?: number;
  /** spans per export; default OTEL_BSP_MAX_EXPORT_BATCH_SIZE or 512 */
  maxExportBatchSize?: number;
  /** how long a batch that is not full waits; default OTEL_BSP_SCHEDULE_DELAY or 5000 ms */
  scheduledDelayMillis?: number;
  /** told once per stretch of drops (until the queue is half empty again) */
  onDrop?: (message: string) => void;
}

/** What a span costs in memory, roughly: its text at 2 bytes a character plus a fixed overhead. */
export function estimateSpanBytes(span: ReadableSpan): number {
  let chars = span.name.length + attributesChars(span.attributes) + attributesChars(span.resource.attributes) / 8;
  for (const event of span.events) chars += event.name.length + attributesChars(event.attributes ?? {});
  return 2 * chars + 1024;
}

// Run for every span that ends, over hundreds of attributes for a long conversation: a plain
// for...in (no array of [key, value] pairs per span, as Object.entries would build).
function attributesChars(attributes: Attributes): number {
  let chars = 0;
  for (const key in attributes) chars += key.length + valueChars(attributes[key]);
  return chars;
}

function valueChars(value: AttributeValue | undefined): number {
  if (typeof value === "string") return value.length;
  if (Array.isArray(value)) return value.reduce<number>((sum, item) => sum + (typeof item === "string" ? item.length : 8), 0);
  return 8;
}

export class BoundedBatchSpanProcessor implements SpanProcessor {
  private readonly batch: BatchSpanProcessor;
  private readonly sizes = new WeakMap<ReadableSpan, number>();
  private readonly maxQueueSize: number;
  private heldBytes = 0;
  private heldSpans = 0;
  private dropping = false;
  /** spans dropped because the queue was full (by count or by size) */
  dropped = 0;

  constructor(
    exporter: SpanExporter,
    private readonly options: BoundedQueueOptions,
  ) {
    this.maxQueueSize = options.maxQueueSize ?? (Number(process.env.OTEL_BSP_MAX_QUEUE_SIZE) || 2048);
    // Every span handed to the exporter is released when its export reports back, whatever the result.
    const releasing: SpanExporter = {
      export: (spans, done) =>
        exporter.export(spans, (result: ExportResult) => {
          for (const span of spans) this.release(span);
          done(result);
        }),
      shutdown: () => exporter.shutdown(),
      forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
    };
    // Its own count bound is the same: it never drops a span this class let through.
    this.batch = new BatchSpanProcessor(releasing, {
      maxQueueSize: this.maxQueueSize,
      maxExportBatchSize: options.maxExportBatchSize,
      scheduledDelayMillis: options.scheduledDelayMillis,
    });
  }

  /** estimated bytes of the spans held now */
  get queuedBytes(): number {
    return this.heldBytes;
  }

  onStart(span: Span, parentContext: Context): void {
    this.batch.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return; // never exported anyway
    const bytes = estimateSpanBytes(span);
    if (this.heldSpans + 1 > this.maxQueueSize || this.heldBytes + bytes > this.options.maxQueueBytes) {
      this.dropped += 1;
      if (!this.dropping) {
        this.dropping = true;
        this.options.onDrop?.(
          `The span queue is full (${this.heldSpans} spans, about ${Math.round(this.heldBytes / 1048576)} MiB waiting for the collector): ` +
            "new spans are dropped until it takes some (OTEL_BSP_MAX_QUEUE_SIZE, APP_SPAN_QUEUE_MAX_BYTES).",
        );
      }
      return;
    }
    // One warning per stretch of drops: the stretch ends once the queue has room again (half empty).
    if (this.dropping && this.heldBytes < this.options.maxQueueBytes / 2 && this.heldSpans < this.maxQueueSize / 2) this.dropping = false;
    this.heldSpans += 1;
    this.heldBytes += bytes;
    this.sizes.set(span, bytes);
    this.batch.onEnd(span);
  }

  private release(span: ReadableSpan): void {
    const bytes = this.sizes.get(span);
    if (bytes === undefined) return;
    this.sizes.delete(span);
    this.heldSpans -= 1;
    this.heldBytes -= bytes;
  }

  forceFlush(): Promise<void> {
    return this.batch.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.batch.shutdown();
  }
}
