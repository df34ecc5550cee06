// What the spans at the collector must show: every span of a turn arrived (so it was ended), each
// with the status and exception its turn earned, and no span whose parent never came.
import { SPAN_KIND_SERVER, STATUS_ERROR, STATUS_OK, STATUS_UNSET, type OtlpSpan } from "../../shared/testing/otlp-protobuf.ts";

export interface ExpectedSpan {
  /** the span's name; "SERVER" for the HTTP server span, whatever its name */
  name: string;
  status: "OK" | "ERROR" | "UNSET";
  /** the exception event's exception.type, when the span must carry one */
  exception?: RegExp;
  /** an event the span must carry, by name ("Stream Stopped Event") */
  event?: string;
}

const STATUS_NAMES: Record<number, string> = { [STATUS_UNSET]: "UNSET", [STATUS_OK]: "OK", [STATUS_ERROR]: "ERROR" };

export function spansByTrace(spans: OtlpSpan[]): Map<string, OtlpSpan[]> {
  const byTrace = new Map<string, OtlpSpan[]>();
  for (const span of spans) byTrace.set(span.traceId, [...(byTrace.get(span.traceId) ?? []), span]);
  return byTrace;
}

/** Spans whose parent never arrived (the SERVER span's parent is the client's: not ours to send). */
export function orphans(spans: OtlpSpan[]): OtlpSpan[] {
  const ids = new Set(spans.map((span) => span.spanId));
  return spans.filter((span) => span.parentSpanId !== "" && span.kind !== SPAN_KIND_SERVER && !ids.has(span.parentSpanId));
}

const CANCELLED_BY: RegExp = /^TurnCancelledError$/;

/**
 * A turn that began searched the city guide first (the app's retrieval, lesson 12, on by default):
 * its RETRIEVER and EMBEDDING spans, OK (the model's fault markers and queue do not touch its
 * embeddings endpoint; a failed search: solutions/app/server/retrieval.test.ts). A turn the app's
 * stop cancelled (`cancelled`) may have been stopped in the search: then the RETRIEVER span is the
 * ERROR that says so (and the EMBEDDING span, unless it was the guide's index that was being
 * built), and no model call was made.
 */
export function withRetrieval(expected: ExpectedSpan[], arrived: OtlpSpan[], { cancelled = false } = {}): ExpectedSpan[] {
  if (!expected.some((span) => span.name === "chat_turn")) return expected;
  const stoppedInSearch = cancelled && !arrived.some((span) => span.name === "ChatCompletion") && arrived.some((span) => span.name === "retrieve" && span.status.code === STATUS_ERROR);
  if (!stoppedInSearch) return [...expected, { name: "retrieve", status: "OK" }, { name: "CreateEmbeddings", status: "OK" }];
  // Stopped in the question's embedding: that span says so too. Stopped while the guide's index was
  // built (the app's first question): the question's embedding had ended well.
  const embeddingEnded = arrived.some((span) => span.name === "CreateEmbeddings" && span.status.code === STATUS_OK);
  return [
    ...expected.filter((span) => span.name !== "ChatCompletion"),
    { name: "retrieve", status: "ERROR", exception: CANCELLED_BY },
    embeddingEnded ? { name: "CreateEmbeddings", status: "OK" } : { name: "CreateEmbeddings", status: "ERROR", exception: CANCELLED_BY },
  ];
}

/** What is wrong with one trace's spans against the spans expected (empty: all there, as expected). */
export function traceProblems(spans: OtlpSpan[], expected: ExpectedSpan[]): string[] {
  const left = [...spans];
  const problems: string[] = [];
  for (const want of expected) {
    const index = left.findIndex((span) => (want.name === "SERVER" ? span.kind === SPAN_KIND_SERVER : span.name === want.name && span.kind !== SPAN_KIND_SERVER));
    if (index === -1) {
      problems.push(`no ${want.name} span arrived (never ended, or lost)`);
      continue;
    }
    const [span] = left.splice(index, 1) as [OtlpSpan];
    const status = STATUS_NAMES[span.status.code] ?? String(span.status.code);
    if (status !== want.status) problems.push(`${span.name} is ${status}, expected ${want.status}${span.status.message ? ` (${span.status.message})` : ""}`);
    if (want.exception) {
      const types = span.events.filter((event) => event.name === "exception").map((event) => String(event.attributes["exception.type"]));
      if (!types.some((type) => want.exception!.test(type))) problems.push(`${span.name} has no exception event of type ${want.exception.source} (has: ${types.join(", ") || "none"})`);
    }
    if (want.event && !span.events.some((event) => event.name === want.event)) {
      problems.push(`${span.name} has no "${want.event}" (has: ${span.events.map((event) => event.name).join(", ") || "no events"})`);
    }
  }
  for (const span of left) problems.push(`an unexpected ${span.name} span (${STATUS_NAMES[span.status.code]})`);
  return problems;
}
