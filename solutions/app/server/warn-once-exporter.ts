// OpenTelemetry drops failed exports silently (its diagnostics logger is off by default), so a
// learner whose Phoenix is not running would see nothing at all. This wrapper says so, once per
// outage, and says when the spans get through again. It never throws: tracing must not break
// the app.
// It also remembers which traces' spans did not get through, and why: the page's trace link of
// such an answer then says so instead of leading to a trace that Phoenix never got.
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { redactUrlCredentials } from "../../../shared/phoenix/url-credentials.ts";
import { phoenixAuthAdvice } from "../../../shared/phoenix/headers.ts";
import { oneLine } from "./model-failure.ts";

/** Why a trace's spans did not reach the collector, in the words of the warning the app printed. */
export interface UndeliveredTrace {
  /** what the exporter reported, one line: "Unauthorized", "connect ECONNREFUSED 127.0.0.1:6006" */
  detail: string;
  /** the cause and the fix: "Phoenix refused the spans. Phoenix asks for an API key (HTTP 401): ..." */
  advice: string;
}

/** What the trace link asks: did this trace's spans get through? */
export interface SpanDelivery {
  /** why the spans of this trace were not delivered; undefined when they were, or when nothing is known of them (yet) */
  whyNotDelivered(traceId: string): UndeliveredTrace | undefined;
}

/**
 * How many undelivered traces are remembered (the latest): a few hundred bytes each. The link of
 * an older one leads to Phoenix, as before, whose redirect page says it has no such trace.
 */
export const MAX_UNDELIVERED_TRACES = 1000;

export class WarnOnceExporter implements SpanExporter, SpanDelivery {
  private failing = false;
  private readonly undelivered = new Map<string, UndeliveredTrace>();

  constructor(
    private readonly inner: SpanExporter,
    /** e.g. "Phoenix at http://localhost:6006/v1/traces" */
    private readonly destination: string,
    private readonly warn: (message: string) => void = (message) => console.warn(message),
    /** false for another OTLP collector: the advice then does not talk about Phoenix */
    private readonly isPhoenix = true,
    /** the headers sent with the spans (the OTLP target's headers): a refusal then says whether a key was sent */
    private readonly sentHeaders: Record<string, string> = {},
  ) {}

  /** The app already told the user the destination is down (at startup): do not say it again. */
  assumeUnreachable(): void {
    this.failing = true;
  }

  /** The last export failed (or the destination was down at startup): not worth waiting long for. */
  get isFailing(): boolean {
    return this.failing;
  }

  whyNotDelivered(traceId: string): UndeliveredTrace | undefined {
    return this.undelivered.get(traceId);
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) {
        const failure = {
          detail: redactUrlCredentials(oneLine(result.error?.message || "unknown error")),
          advice: advice(result.error, this.isPhoenix, this.sentHeaders),
        };
        this.remember(spans, failure);
        if (!this.failing) {
          this.failing = true;
          this.warn(`Could not send spans to ${redactUrlCredentials(this.destination)} (${failure.detail}). ${failure.advice}`);
        }
      } else if (this.failing) {
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

  /** The batch's traces did not get through (a failed batch is not sent again): remember why, for the latest ones. */
  private remember(spans: ReadableSpan[], failure: UndeliveredTrace): void {
    for (const span of spans) {
      const traceId = span.spanContext().traceId;
      this.undelivered.delete(traceId); // re-inserted last: the newest stay
      this.undelivered.set(traceId, failure);
    }
    for (const oldest of this.undelivered.keys()) {
      if (this.undelivered.size <= MAX_UNDELIVERED_TRACES) break;
      this.undelivered.delete(oldest);
    }
  }
}

/** What to do about a failed export, from the error the OTLP exporter reports. */
function advice(error: (Error & { code?: number }) | undefined, isPhoenix: boolean, sentHeaders: Record<string, string>): string {
  if (error?.code === 415 && isPhoenix) {
    return "Phoenix accepts OTLP as protobuf only: unset OTEL_EXPORTER_OTLP_PROTOCOL (or set it to http/protobuf). Spans are dropped meanwhile.";
  }
  if ((error?.code === 401 || error?.code === 403) && isPhoenix) {
    // "set PHOENIX_API_KEY" when none was sent; "the key sent was not accepted" when one was.
    return `Phoenix refused the spans. ${phoenixAuthAdvice(error.code, sentHeaders)} The app keeps answering; spans are dropped meanwhile.`;
  }
  if (typeof error?.code === "number") {
    return `The collector refused them (HTTP ${error.code}): check the endpoint and PHOENIX_API_KEY. The app keeps answering; spans are dropped meanwhile.`;
  }
  if (!isPhoenix) {
    return "The app keeps answering; spans are dropped until it is reachable. Start the collector or fix OTEL_EXPORTER_OTLP_(TRACES_)ENDPOINT.";
  }
  return "The app keeps answering; spans are dropped until it is reachable. Start Phoenix with `npm run phoenix` or set PHOENIX_COLLECTOR_ENDPOINT.";
}
