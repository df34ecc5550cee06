// A span exporter that keeps the spans in memory so a lesson run can print them as a tree
// at the end. It is an ordinary SpanExporter: the learner's tracer setup adds it like any other.
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { renderSpanTree, type RenderOptions } from "./render-tree.ts";

export class TraceViewExporter implements SpanExporter {
  readonly spans: ReadableSpan[] = [];

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.spans.push(...spans);
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}

  async forceFlush(): Promise<void> {}

  render(options?: RenderOptions): string {
    return renderSpanTree(this.spans, options);
  }
}
