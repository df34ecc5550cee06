// What the first-span lesson taught, checked on any later lesson's trace: one chat turn is one ended CHAIN
// span, the root of its trace, with the question and the reply as plain text and a status.
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
} from "@arizeai/openinference-semantic-conventions";
import { SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { SpanChecks } from "../span-checks.ts";

export interface TurnOutcome {
  question: string;
  /** what chatTurn returned */
  reply: string;
  /** "failed": the model call failed and the reply is the apology (the errors lesson) */
  status?: "OK" | "ERROR";
}

export interface ChainPlacement {
  /**
   * The span the chat turn runs under, when it is not the root of its trace: the finished app's
   * HTTP SERVER span, say. `lessonChecks` then holds the spans below that span only.
   */
  under?: ReadableSpan;
}

/**
 * A turn that failed with a tool's own error (the TOOL span's status message inside the turn's):
 * the tool's error escaped runTool, where it should have gone back to the model as its result.
 */
function escapedToolError(lessonChecks: SpanChecks, chain: ReadableSpan): string | undefined {
  const failure = chain.status.code === SpanStatusCode.ERROR ? chain.status.message : undefined;
  if (!failure) return undefined;
  const tool = lessonChecks.spans.find(
    (span) =>
      span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND] === OpenInferenceSpanKind.TOOL &&
      span.status.code === SpanStatusCode.ERROR &&
      Boolean(span.status.message) &&
      failure.includes(span.status.message!),
  );
  return tool
    ? `the tool's error escaped runTool and failed the whole turn: in its catch, return JSON.stringify({ error: message }) to the model instead of rethrowing.`
    : undefined;
}

/** The chat turn's CHAIN span, checked as the first-span lesson taught; returned for further checks. */
export function checkChainSpan(lessonChecks: SpanChecks, turn: TurnOutcome, { under }: ChainPlacement = {}): ReadableSpan {
  const checks = lessonChecks.taughtIn("first-span");
  checkNothingLeftRunning(lessonChecks);
  const chain = checks.one({ kind: OpenInferenceSpanKind.CHAIN }, "CHAIN span for the chat turn", { hint: 1, hintIfNotEnded: 3 });
  if (under) checks.childOf(chain, under, { hint: 1 });
  else checks.isRoot(chain, { hint: 1 });
  checks.attribute(chain, INPUT_VALUE, turn.question, { hint: 2 });
  checks.attribute(chain, INPUT_MIME_TYPE, MimeType.TEXT, { hint: 2 });
  checks.attribute(chain, OUTPUT_VALUE, turn.reply, { hint: 3 });
  checks.attribute(chain, OUTPUT_MIME_TYPE, MimeType.TEXT, { hint: 3 });
  // A failed turn's ERROR status is the errors lesson's; the OK of a turn that went well is the first-span lesson's.
  if ((turn.status ?? "OK") === "OK") {
    const escaped = escapedToolError(lessonChecks, chain);
    // A tool's error that failed the turn is the errors lesson's mistake, and its hint (the tool's catch).
    if (escaped) lessonChecks.taughtIn("errors").status(chain, "OK", { hint: 3, mistake: escaped });
    checks.status(chain, "OK", { hint: 3 });
  }
  else {
    const failed = lessonChecks.taughtIn("errors");
    failed.status(chain, "ERROR", {
      hint: 2,
      mistake:
        chain.status.code === SpanStatusCode.OK
          ? "the turn ends OK though the model call failed. Set ERROR in the chat turn's catch and return the apology right away: an OK set later (after the catch, or in finally) overrides ERROR, because OK is final."
          : "the turn's status was never set: in chatTurn's catch, call span.setStatus({ code: SpanStatusCode.ERROR, message }) before returning the apology.",
    });
    failed.that(Boolean(chain.status.message), { headline: "The chat turn's ERROR status has no message.", expected: 'a message saying what failed, e.g. "model call failed: ..."', got: "none", hint: 2 });
  }
  checkAllEnded(lessonChecks);
  return chain;
}

/**
 * Every span ended before the code under test returned. A span that ends later belongs to work
 * nobody waited for: a promise not returned or not awaited (the reply may be missing too).
 */
export function checkNothingLeftRunning(lessonChecks: SpanChecks): void {
  const ended = new Set(lessonChecks.spans);
  const late = lessonChecks.openAtReturn().filter((span) => ended.has(span));
  if (late.length === 0) return;
  const chain = late.find((span) => span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND] === OpenInferenceSpanKind.CHAIN);
  lessonChecks.taughtIn("first-span").fail({
    headline: `${chain ? "chatTurn returned before its CHAIN span's work was done" : "The code returned before some of its spans' work was done"}: ${late.map((span) => `"${span.name}"`).join(", ")} ended only afterwards.`,
    expected: "every span ended by the time chatTurn's promise settles",
    got: `${late.length} span(s) still running when it returned`,
    mistake: chain
      ? "return the promise of tracer.startActiveSpan(...) from chatTurn (return tracer.startActiveSpan(\"chat_turn\", ..., async (span) => { ... return reply; })), instead of starting it and returning something else; the turn then ends when the span's work does."
      : "a span's work is not awaited: return (or await) the promise of tracer.startActiveSpan(...) for each span.",
    hint: 1,
  });
}

/** No span is left open: an open span is never exported. */
export function checkAllEnded(lessonChecks: SpanChecks): void {
  const open = lessonChecks.unended();
  lessonChecks.taughtIn("first-span").that(open.length === 0, {
    headline: "Some spans were never ended (and so never exported).",
    expected: "every span ended",
    got: open.map((span) => `"${span.name}" still open`).join(", "),
    mistake: "end each span in a finally block, so that every path (return, throw) ends it.",
    hint: 3,
  });
}
