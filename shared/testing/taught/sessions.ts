// What the sessions lesson taught, checked on any later lesson's run of a conversation: each turn is its
// own trace whose root span holds the question and the reply as text (what Phoenix's Sessions
// view shows as the chat); every span of every turn carries the session and the user; each root
// also the metadata (a JSON string) and the tags (a list of strings); and each turn's model
// calls are sent the conversation so far.
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  LLM_INPUT_MESSAGES,
  METADATA,
  MESSAGE_CONTENT,
  MESSAGE_ROLE,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SESSION_ID,
  TAG_TAGS,
  USER_ID,
} from "@arizeai/openinference-semantic-conventions";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { describeSpan, expectations, type SpanChecks } from "../span-checks.ts";

export interface SessionTurn {
  question: string;
  /** what the turn returned */
  reply: string;
}

export interface SessionExpectation {
  sessionId: string;
  userId: string;
  /** the entries each turn's root `metadata` must hold (it may hold more), by turn index from 0 */
  metadata(turnIndex: number): Record<string, unknown>;
  tags: string[];
}

/** Whom the spans must name: the session, and the user where the app has one (the finished app has no sign-in: no user.id to check). */
export type SessionIdentity = Pick<SessionExpectation, "sessionId"> & Partial<Pick<SessionExpectation, "userId">>;

const NOT_IN_CONTEXT =
  "set them in the turn's context (setSession(context.active(), { sessionId }), setUser(...)), run the turn inside context.with(thatContext, ...), and copy getAttributesFromContext(context.active()) onto the span: a plain tracer does not.";

/** Each turn is its own trace, in order, rooted in a span with the question and the reply as text: returns the roots. */
export function checkTurnTraces(lessonChecks: SpanChecks, turns: SessionTurn[]): ReadableSpan[] {
  const checks = lessonChecks.taughtIn("sessions");
  const spans = checks.spans;
  const traces = new Set(spans.map((span) => span.spanContext().traceId));
  checks.that(spans.length > 0, { headline: "The conversation produced no spans.", expected: `spans for ${turns.length} turns`, got: "no spans at all", hint: 2 });
  checks.that(traces.size >= turns.length, {
    headline: `The ${turns.length} turns of the conversation share ${traces.size} trace(s); each turn should be its own trace.`,
    expected: `${turns.length} traces, one per turn, grouped by their session.id`,
    got: `${traces.size} trace(s)`,
    mistake:
      "one trace for the whole conversation: a span around all the turns (or a turn started inside the previous one's context) puts every turn in one trace, and Phoenix shows one long trace instead of a chat. Start each turn's root span with no span active, and let session.id group the turns.",
    hint: 2,
  });
  const roots = spans.filter((span) => !span.parentSpanContext?.spanId).sort(byStart);
  return turns.map((turn, index) => {
    const root = roots.filter((span) => turns.some((each) => each.question === span.attributes[INPUT_VALUE]))[index];
    checks.that(root !== undefined && root.attributes[INPUT_VALUE] === turn.question, {
      headline: `No trace has turn ${index + 1}'s question as its root span's "${INPUT_VALUE}".`,
      expected: `a root span with ${INPUT_VALUE} = ${JSON.stringify(turn.question)}`,
      got: roots.map((span) => `${describeSpan(span)}: ${JSON.stringify(span.attributes[INPUT_VALUE] ?? "(no input.value)")}`).join("; ") || "no root spans",
      mistake: "Phoenix's Sessions view shows each trace's root span input.value as the user's message: the turn's root span must carry the question as text.",
      hint: 2,
    });
    checks.attribute(root!, INPUT_MIME_TYPE, MimeType.TEXT, { hint: 2 });
    checks.attribute(root!, OUTPUT_VALUE, turn.reply, { hint: 2, usualMistake: "Phoenix's Sessions view shows the root span's output.value as the assistant's reply." });
    checks.attribute(root!, OUTPUT_MIME_TYPE, MimeType.TEXT, { hint: 2 });
    return root!;
  });
}

/** Every turn's root span names the one session and the user: Phoenix groups the traces by it. */
export function checkSessionOnRoots(lessonChecks: SpanChecks, roots: ReadableSpan[], session: SessionIdentity): void {
  const checks = lessonChecks.taughtIn("sessions");
  for (const root of roots) {
    checks.attribute(root, SESSION_ID, session.sessionId, { hint: 2, usualMistake: NOT_IN_CONTEXT });
    if (session.userId !== undefined) checks.attribute(root, USER_ID, session.userId, { hint: 2, usualMistake: NOT_IN_CONTEXT });
  }
}

/** Every span of every turn carries session.id and user.id, not only the root. */
export function checkSessionOnEverySpan(lessonChecks: SpanChecks, roots: ReadableSpan[], session: SessionIdentity): void {
  const checks = lessonChecks.taughtIn("sessions");
  for (const root of roots) {
    for (const span of checks.inTrace(root.spanContext().traceId).spans.sort(byStart)) {
      const rootHasThem = root.attributes[SESSION_ID] !== undefined;
      const mistake =
        rootHasThem && span !== root
          ? "the context attributes are not copied onto the child spans: a plain tracer never reads them from the context, so spread getAttributesFromContext(context.active()) (your contextAttributes()) into the attributes of every span the turn starts (the LLM and TOOL spans too), not only the root's."
          : undefined;
      checks.attribute(span, SESSION_ID, session.sessionId, { hint: 3, mistake, usualMistake: NOT_IN_CONTEXT });
      if (session.userId !== undefined) checks.attribute(span, USER_ID, session.userId, { hint: 3, mistake, usualMistake: NOT_IN_CONTEXT });
    }
  }
}

/** Each root span holds the metadata as a JSON object and the tags as a list of strings; no span holds tags as text. */
export function checkMetadataAndTags(lessonChecks: SpanChecks, roots: ReadableSpan[], session: SessionExpectation): void {
  const checks = lessonChecks.taughtIn("sessions");
  roots.forEach((root, index) => {
    const wanted = session.metadata(index);
    checks.attribute(
      root,
      METADATA,
      expectations.json(`an object holding ${JSON.stringify(wanted)}`, (parsed) => isObject(parsed) && Object.entries(wanted).every(([key, value]) => JSON.stringify(parsed[key]) === JSON.stringify(value))),
      { hint: 2, usualMistake: "set the metadata in the turn's context with setMetadata(context, { ... }): it is stored as a JSON string, as the spec wants." },
    );
  });
  for (const root of roots) {
    for (const span of checks.inTrace(root.spanContext().traceId).spans) {
      if (span !== root && span.attributes[TAG_TAGS] === undefined) continue;
      const value = span.attributes[TAG_TAGS];
      checks.attribute(span, TAG_TAGS, session.tags, {
        hint: 4,
        // Other shapes (a list joined into one string, say) are named by the attribute check itself.
        mistake:
          value === JSON.stringify(session.tags)
            ? `"${TAG_TAGS}" is a JSON string, as openinference-core's setTags + getAttributesFromContext give it: the spec wants a list of strings (an array attribute), which Phoenix filters by. Set it to getTags(context.active()), the list itself.`
            : undefined,
      });
    }
  }
}

/** From the second turn on, the model calls are sent every earlier question and reply. */
export function checkHistorySent(lessonChecks: SpanChecks, roots: ReadableSpan[], turns: SessionTurn[]): void {
  const checks = lessonChecks.taughtIn("sessions");
  roots.forEach((root, index) => {
    if (index === 0) return;
    const calls = checks.inTrace(root.spanContext().traceId).all({ kind: OpenInferenceSpanKind.LLM });
    const first = calls[0];
    checks.that(first !== undefined, { headline: `Turn ${index + 1} has no LLM span.`, expected: "an LLM span for the model call", got: "none", hint: 1 });
    const messages = inputMessages(first!);
    for (const earlier of turns.slice(0, index)) {
      const at = messages.findIndex((message, i) => message.role === "user" && message.content === earlier.question && messages[i + 1]?.role === "assistant" && messages[i + 1]?.content === earlier.reply);
      checks.that(at >= 0, {
        headline: `Turn ${index + 1}'s model call was not sent the conversation so far.`,
        expected: `the earlier question ${JSON.stringify(earlier.question)} and its reply ${JSON.stringify(earlier.reply)} among ${LLM_INPUT_MESSAGES}`,
        got: messages.map((message) => `${message.role}: ${JSON.stringify(message.content ?? "")}`).join(" | ").slice(0, 300),
        mistake:
          'the history is not sent: build the request\'s messages as [system prompt, ...the conversation\'s messages, the new question], so the model can answer a follow-up such as "And in London?".',
        hint: 1,
      });
      checks.attribute(first!, `${LLM_INPUT_MESSAGES}.${at}.${MESSAGE_CONTENT}`, earlier.question, { hint: 1 });
      checks.attribute(first!, `${LLM_INPUT_MESSAGES}.${at + 1}.${MESSAGE_CONTENT}`, earlier.reply, { hint: 1 });
    }
  });
}

function inputMessages(span: ReadableSpan): Array<{ role?: string; content?: string }> {
  const messages: Array<{ role?: string; content?: string }> = [];
  for (let i = 0; span.attributes[`${LLM_INPUT_MESSAGES}.${i}.${MESSAGE_ROLE}`] !== undefined; i++) {
    const content = span.attributes[`${LLM_INPUT_MESSAGES}.${i}.${MESSAGE_CONTENT}`];
    messages.push({ role: String(span.attributes[`${LLM_INPUT_MESSAGES}.${i}.${MESSAGE_ROLE}`]), content: content === undefined ? undefined : String(content) });
  }
  return messages;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function byStart(a: ReadableSpan, b: ReadableSpan): number {
  return a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];
}
