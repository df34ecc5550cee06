// What the errors lesson taught, checked on any later lesson's trace: a failure is recorded where it
// happened (the exception and ERROR status, with a message, on the LLM or TOOL span that
// failed), the chat turn says it failed, and nothing is left open.
import { OpenInferenceSpanKind, SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import { SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { SpanChecks } from "../span-checks.ts";
import { checkAllEnded } from "./chain-span.ts";
import type { RecordedCall } from "./llm-spans.ts";
import type { ToolRun } from "./tools.ts";

/** Every LLM or TOOL span that failed carries both the exception and an ERROR status with a message. */
export function checkFailuresRecorded(lessonChecks: SpanChecks): void {
  const checks = lessonChecks.taughtIn("errors");
  for (const span of checks.spans) {
    const kind = span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND];
    if (kind !== OpenInferenceSpanKind.LLM && kind !== OpenInferenceSpanKind.TOOL) continue;
    const hint = kind === OpenInferenceSpanKind.LLM ? 1 : 3;
    const hasException = span.events.some((event) => event.name === "exception");
    if (hasException) checks.status(span, "ERROR", { hint, usualMistake: "after span.recordException(error), also call span.setStatus({ code: SpanStatusCode.ERROR, message }): an exception event alone does not mark the span failed." });
    if (span.status.code === SpanStatusCode.ERROR) {
      checks.exceptionEvent(span, undefined, { hint });
      checkStatusMessage(checks, span, hint);
    }
  }
  checkAllEnded(lessonChecks);
}

/** The failed model call: its LLM span is the last, with ERROR and the exception. */
export function checkFailedModelCall(lessonChecks: SpanChecks, calls: RecordedCall[], exception: RegExp): void {
  const checks = lessonChecks.taughtIn("errors");
  const failed = calls.at(-1)?.span ?? checks.atLeast(1, { kind: OpenInferenceSpanKind.LLM }, "LLM span of the failed call", { hint: 1 })[0]!;
  checks.status(failed, "ERROR", { hint: 1, mistake: okOverErrorMistake(failed) });
  checks.exceptionEvent(failed, exception, { hint: 1 });
  checkStatusMessage(checks, failed, 1);
  checkFailuresRecorded(lessonChecks);
}

/** A tool that threw: ERROR and the exception on its TOOL span; its output is the error told to the model. */
export function checkFailedTool(lessonChecks: SpanChecks, runs: ToolRun[], exception: RegExp): void {
  const checks = lessonChecks.taughtIn("errors");
  const run = runs.find((each) => each.failed) ?? runs[0];
  if (!run) {
    checks.atLeast(1, { kind: OpenInferenceSpanKind.TOOL }, "TOOL span of the failing tool", { hint: 3 });
    return;
  }
  checks.status(run.span, "ERROR", { hint: 3, mistake: okOverErrorMistake(run.span) });
  checks.exceptionEvent(run.span, exception, { hint: 3 });
  checkFailuresRecorded(lessonChecks);
}

/** An OK status on a span whose call failed: set after ERROR (in finally, after the catch), it wins, because OK is final. */
function okOverErrorMistake(span: ReadableSpan): string | undefined {
  if (span.status.code !== SpanStatusCode.OK) return undefined;
  return "the span ends OK though its call failed: an OK set later (in finally, or after the catch) overrides ERROR, because OK is final. Set OK where the call succeeded, in the try, only.";
}

function checkStatusMessage(checks: SpanChecks, span: ReadableSpan, hint: number): void {
  checks.that(Boolean(span.status.message), {
    headline: `The ERROR status of the ${String(span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND])} span "${span.name}" has no message.`,
    expected: "span.setStatus({ code: SpanStatusCode.ERROR, message: <what failed> })",
    got: "an ERROR status without a message",
    hint,
  });
}
