// OpenTelemetry drops failed exports silently (its diagnostics logger is off by default), so a
// learner whose Phoenix is not running would see nothing at all. This wrapper says so, once per
// outage, and says when the spans get through again. It never throws: tracing must not break
// the app.
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { redactUrlCredentials } from "../../../shared/chatbot/url-credentials.ts";
import { oneLine } from "./model-failure.ts";

export class WarnOnceExporter implements SpanExporter {
  private failing = false;

  constructor(
    private readonly inner: SpanExporter,
    /** e.g. "Phoenix at http://localhost:6006/v1/traces" */
    private readonly destination: string,
    private readonly warn: (message: string) => void = (message) => console.warn(message),
    /** false for another OTLP collector: the advice then does not talk about Phoenix */
    private readonly isPhoenix = true,
  ) {}

  /** The app already told the user the destination is down (at startup): do not say it again. */
  assumeUnreachable(): void {
    this.failing = true;
  }

  /** The last export failed (or the destination was down at startup): not worth waiting long for. */
  get isFailing(): boolean {
    return this.failing;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS && !this.failing) {
        this.failing = true;
        const reason = redactUrlCredentials(oneLine(result.error?.message ?? "unknown error"));
        this.warn(`Could not send spans to ${redactUrlCredentials(this.destination)} (${reason}). ${advice(result.error, this.isPhoenix)}`);
      } else if (result.code === ExportResultCode.SUCCESS && this.failing) {
        this.failing = false;
        this.warn(`Spans reach ${redactUrlCredentials(this.destination)} again.`);
      }
      resultCallback(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

/** What to do about a failed export, from the error the OTLP exporter reports. */
function advice(error: (Error & { code?: number }) | undefined, isPhoenix: boolean): string {
  if (error?.code === 415 && isPhoenix) {
    return "Phoenix accepts OTLP as protobuf only: unset OTEL_EXPORTER_OTLP_PROTOCOL (or set it to http/protobuf). Spans are dropped meanwhile.";
  }
  if ((error?.code === 401 || error?.code === 403) && isPhoenix) {
    return `Phoenix refused the spans (HTTP ${error.code}): set PHOENIX_API_KEY to a valid key (or PHOENIX_CLIENT_HEADERS / OTEL_EXPORTER_OTLP_HEADERS). The app keeps answering; spans are dropped meanwhile.`;
  }
  if (typeof error?.code === "number") {
    return `The collector refused them (HTTP ${error.code}): check the endpoint and PHOENIX_API_KEY. The app keeps answering; spans are dropped meanwhile.`;
  }
  if (!isPhoenix) {
    return "The app keeps answering; spans are dropped until it is reachable. Start the collector or fix OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT.";
  }
  return "The app keeps answering; spans are dropped until it is reachable. Start Phoenix with `npm run phoenix` or set PHOENIX_COLLECTOR_ENDPOINT.";
}
