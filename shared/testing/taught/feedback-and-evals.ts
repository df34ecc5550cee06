// What the feedback-and-evals lesson taught, checked on any later lesson's chat server: the answer
// names the span to judge (the SERVER span) and its trace; each answer is judged after it was
// sent, by a code evaluator and an LLM-as-judge, each run an EVALUATOR span under the SERVER span
// with what was judged as input and the verdict as output; each verdict is logged in Phoenix as an
// annotation of the SERVER span of kind CODE or LLM; a vote is a `user_feedback` annotation by a
// HUMAN, label up or down and a score, with the user as identifier (a changed vote replaces that
// user's, two users' votes stand side by side); and Phoenix down or refusing never breaks the chat.
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { INPUT_MIME_TYPE, INPUT_VALUE, MimeType, OUTPUT_MIME_TYPE, OUTPUT_VALUE, OpenInferenceSpanKind, SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import { recordChecked } from "../checked-keys.ts";
import type { ChatAnswer } from "../http-requests.ts";
import type { PhoenixStandIn, SentAnnotation } from "../phoenix-stand-in/phoenix-stand-in.ts";
import { describeSpan, type SpanChecks } from "../span-checks.ts";

const KIND = SemanticConventions.OPENINFERENCE_SPAN_KIND;
export const FEEDBACK_ROUTE = "/feedback";
export const FEEDBACK_ANNOTATION = "user_feedback";

/** A verdict the lesson's evaluators must reach on an answer. */
export interface ExpectedVerdict {
  evaluator: "names_every_city" | "answers_the_question";
  kind: "CODE" | "LLM";
  label: string;
  score: number;
}

/** The answer as the lesson's server sends it: {"reply", "spanId", "traceId"}. */
type JudgedBody = { reply?: string; spanId?: unknown; traceId?: unknown; error?: string };

const bodyOf = (answer: ChatAnswer): JudgedBody => (typeof answer.body === "object" ? (answer.body as JudgedBody) : {});

/** What the learner is told when judged() resolved while the judging went on. */
export const JUDGED_EARLY =
  "judged() returned before the judging ended: keep the judging's promise in judging.underWay until it settles (judging.underWay.add(judgement), and .finally(() => judging.underWay.delete(judgement))), not void judgeAnswer(...): the tests, the lesson's run and close() wait for judged().";

/** The SERVER span of the request (the one span of SpanKind.SERVER). */
function serverSpan(checks: SpanChecks): ReadableSpan {
  const found = checks.all({ spanKind: SpanKind.SERVER });
  checks.that(found.length === 1, {
    headline: "The request should have one SERVER span, the span to judge.",
    expected: "one span with kind SpanKind.SERVER",
    got: `${found.length}`,
    hint: 1,
  });
  return found[0]!;
}

/** Which span an id names, in the learner's words: "the CHAIN span "chat_turn"", or that it names none. */
function spanNamed(checks: SpanChecks, spanId: string): string {
  const span = [...checks.spans, ...checks.unended()].find((each) => each.spanContext().spanId === spanId);
  return span ? describeSpan(span) : "no span of this request";
}

/** The answer carries the SERVER span's id and its trace id: what a vote (and a link to the trace) needs. */
export function checkAnswerNamesItsSpan(lessonChecks: SpanChecks, answer: ChatAnswer): ReadableSpan {
  const checks = lessonChecks.taughtIn("feedback-and-evals");
  recordChecked("spanId");
  recordChecked("traceId");
  const body = bodyOf(answer);
  checks.that(answer.status === 200 && typeof body.reply === "string", {
    headline: "The server did not answer the question.",
    expected: 'HTTP 200 with {"reply": "...", "spanId": "...", "traceId": "..."}',
    got: `HTTP ${answer.status}: ${JSON.stringify(answer.body)}`,
    hint: 1,
  });
  const server = serverSpan(checks);
  const { spanId, traceId } = server.spanContext();
  checks.that(body.spanId === spanId, {
    headline: "The answer does not name the SERVER span, the span a vote and the verdicts belong to.",
    expected: `"spanId": "${spanId}" (the SERVER span "${server.name}")`,
    got: body.spanId === undefined ? `no "spanId" (the answer: ${JSON.stringify(body)})` : `"spanId": ${JSON.stringify(body.spanId)}, ${typeof body.spanId === "string" ? spanNamed(checks, body.spanId) : "not a string"}`,
    mistake:
      body.spanId === undefined
        ? 'add the SERVER span\'s id to the answer: const { spanId, traceId } = span.spanContext(); respond(response, 200, { reply, spanId, traceId }).'
        : "the id of another span: a vote on the answer belongs on the SERVER span, the root of the server's side of the trace, which Phoenix lists with the question and the reply. Take span.spanContext().spanId of the SERVER span's own callback argument, not trace.getActiveSpan() somewhere deeper.",
    hint: 1,
  });
  checks.that(body.traceId === traceId, {
    headline: "The answer does not carry the trace id of the SERVER span.",
    expected: `"traceId": "${traceId}"`,
    got: body.traceId === undefined ? 'no "traceId"' : `"traceId": ${JSON.stringify(body.traceId)}`,
    mistake: "the page links each answer to its trace in Phoenix: send span.spanContext().traceId with the span id.",
    hint: 1,
  });
  return server;
}

/** Each evaluator ran once on the answer, as an EVALUATOR span under the SERVER span: what was judged in, the verdict out. */
export function checkEvaluatorSpans(lessonChecks: SpanChecks, server: ReadableSpan, turn: { question: string; reply: string }, verdicts: ExpectedVerdict[]): void {
  const checks = lessonChecks.inTrace(server.spanContext().traceId).taughtIn("feedback-and-evals");
  const evaluatorSpans = checks.all({ kind: OpenInferenceSpanKind.EVALUATOR });
  // An EVALUATOR span that was open when judged() resolved, and ended after: nobody waited for it.
  const late = checks.openAtReturn().filter((span) => evaluatorSpans.includes(span));
  checks.that(late.length === 0, {
    headline: `The EVALUATOR span "${late[0]?.name}" ended after judged() had resolved.`,
    expected: "judged() resolves once every judging under way has ended",
    got: `${late.map((span) => `"${span.name}"`).join(", ")} still open when judged() returned, ended later`,
    mistake: JUDGED_EARLY,
    hint: 2,
  });
  for (const verdict of verdicts) {
    const named = checks.spans.filter((span) => span.name === verdict.evaluator);
    const open = checks.unended().filter((span) => span.name === verdict.evaluator);
    checks.that(named.length > 0 || open.length === 0, {
      headline: `The EVALUATOR span "${verdict.evaluator}" was started but never ended, so it was never exported.`,
      expected: "an ended span",
      got: "still open",
      mistake: "end it in a finally block, so that a failing evaluator ends it too.",
      hint: 5,
    });
    const elsewhere = lessonChecks.all({ kind: OpenInferenceSpanKind.EVALUATOR }).filter((span) => span.name === verdict.evaluator && span.spanContext().traceId !== server.spanContext().traceId);
    checks.that(named.length > 0 || elsewhere.length === 0, {
      headline: `No span for the evaluator "${verdict.evaluator}" was found in the answer's trace: EVALUATOR spans found in another trace.`,
      expected: `one EVALUATOR span named "${verdict.evaluator}", under the SERVER span (trace ${server.spanContext().traceId})`,
      got: `"${verdict.evaluator}" in trace ${elsewhere[0]?.spanContext().traceId}${elsewhere[0]?.parentSpanContext ? "" : ", a root span of its own"}`,
      mistake: "the judging runs outside the SERVER span's context: start judgeAnswer inside the SERVER span's callback (where it is the active span), after respond(...).",
      hint: 2,
    });
    checks.that(named.length === 1, {
      headline: named.length === 0 ? `No span for the evaluator "${verdict.evaluator}" was found in the answer's trace.` : `The evaluator "${verdict.evaluator}" ran ${named.length} times on one answer.`,
      expected: `one EVALUATOR span named "${verdict.evaluator}", under the SERVER span`,
      got: evaluatorSpans.length > 0 ? `EVALUATOR spans ${evaluatorSpans.map((span) => `"${span.name}"`).join(", ")}` : `${named.length} such span(s); no EVALUATOR span at all`,
      mistake:
        named.length > 1
          ? "each answer is judged once by each evaluator: start the judging once, after the answer is sent."
          : evaluatorSpans.length > 0
            ? `name each EVALUATOR span after its evaluator (evaluator.name): Phoenix shows the name, and the annotation of the verdict carries the same name.`
            : "the answer was not judged in a span of its own: judgeAnswer must be started after the answer is sent (TODO 2), and each evaluator's run wrapped in a span of kind EVALUATOR (TODO 5). phoenix-evals' own telemetry is off here, so the spans are yours to make.",
      hint: evaluatorSpans.length > 0 || named.length > 1 ? 5 : 2,
    });
    const span = named[0]!;
    checks.attribute(span, KIND, OpenInferenceSpanKind.EVALUATOR, {
      hint: 5,
      usualMistake: "an evaluator's run is an EVALUATOR span (OpenInferenceSpanKind.EVALUATOR): Phoenix shows it as a judge, apart from the chat's CHAIN spans.",
    });
    checks.childOf(span, server, {
      hint: 2,
      mistake:
        span.spanContext().traceId !== server.spanContext().traceId || !span.parentSpanContext
          ? "the judging runs outside the SERVER span's context: start judgeAnswer(...) inside the SERVER span's callback (where it is the active span), after respond(...)."
          : `the EVALUATOR span hangs under ${spanNamed(checks, span.parentSpanContext.spanId)}: start the judging in the SERVER span's callback, not inside the chat turn.`,
    });
    checks.attribute(span, INPUT_VALUE, {
      describe: "what was judged: the question and the reply (JSON.stringify(turn))",
      test: (value) => typeof value === "string" && value.includes(jsonText(turn.question)) && value.includes(jsonText(turn.reply)),
    }, { hint: 5, usualMistake: "the span's input is what the evaluator judged: the question and the reply, JSON.stringify(turn), with INPUT_MIME_TYPE JSON." });
    checks.attribute(span, INPUT_MIME_TYPE, MimeType.JSON, { hint: 5, usualMistake: "the input is JSON: say so (MimeType.JSON), and Phoenix shows it as an object." });
    checks.attribute(span, OUTPUT_VALUE, {
      describe: `the verdict, with its label "${verdict.label}" and score ${verdict.score} (JSON)`,
      test: (value) => typeof value === "string" && value.includes(`"${verdict.label}"`) && new RegExp(`"score":\\s*${verdict.score}\\b`).test(value),
    }, { hint: 5, usualMistake: "the span's output is the verdict the evaluator returned: JSON.stringify({ label, score, explanation }), with OUTPUT_MIME_TYPE JSON." });
    checks.attribute(span, OUTPUT_MIME_TYPE, MimeType.JSON, { hint: 5, usualMistake: "the verdict is JSON: say so (MimeType.JSON), and Phoenix shows it as an object." });
    checks.status(span, "OK", { hint: 5 });
  }
}

/** The text of a string as it appears inside JSON (quotes and the like escaped), without the outer quotes. */
function jsonText(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

/** What Phoenix refused: the first request its schema found wrong, in Phoenix's words. */
function checkPhoenixTookThem(checks: SpanChecks, phoenix: PhoenixStandIn, hint: number): void {
  const refused = phoenix.requests.find((request) => request.problems.length > 0);
  if (!refused) return;
  const [first] = refused.problems;
  const at = first!.loc.join(".");
  checks.fail({
    headline: "Phoenix refused an annotation: its body does not fit Phoenix's schema for POST /v1/span_annotations (HTTP 422).",
    expected: "{ data: [{ span_id, name, annotator_kind: HUMAN | CODE | LLM, result: { label, score, explanation }, identifier }] } (score a number)",
    got: `${at}: ${first!.msg} (sent: ${JSON.stringify(refused.body).slice(0, 300)})`,
    mistake: /score/.test(at)
      ? "the score must be a number (1 or 0), not a string: Phoenix averages it."
      : /annotator_kind/.test(at)
        ? 'the annotator kind is one of "HUMAN", "CODE" or "LLM", in capitals.'
        : "pass addSpanAnnotation a spanAnnotation with spanId, name, annotatorKind, label, score (and explanation, identifier).",
    hint,
  });
}

/** Each verdict is logged as an annotation of the SERVER span, named after its evaluator, of its kind, with label, score and explanation. */
export function checkVerdictsLogged(
  lessonChecks: SpanChecks,
  phoenix: PhoenixStandIn,
  server: ReadableSpan,
  verdicts: ExpectedVerdict[],
  /** how many requests Phoenix had received when the server's judged() resolved */
  when: { requestsWhenJudged?: number } = {},
): void {
  const checks = lessonChecks.taughtIn("feedback-and-evals");
  recordChecked("annotatorKind");
  checkPhoenixTookThem(checks, phoenix, 6);
  const annotations = phoenix.annotations();
  const spanId = server.spanContext().spanId;
  const sentAfterJudged = when.requestsWhenJudged === undefined ? [] : phoenix.requests.slice(when.requestsWhenJudged).flatMap((request) => (request.body as { data?: SentAnnotation[] }).data ?? []);
  const lateVerdict = sentAfterJudged.find((sent) => verdicts.some((verdict) => verdict.evaluator === sent.name));
  checks.that(!lateVerdict, {
    headline: `The verdict of "${lateVerdict?.name}" reached Phoenix after judged() had resolved.`,
    expected: "judged() resolves once every verdict is logged",
    got: `${when.requestsWhenJudged} annotation request(s) when judged() returned; "${lateVerdict?.name}" came after`,
    mistake: JUDGED_EARLY,
    hint: 2,
  });
  for (const verdict of verdicts) {
    const named = annotations.filter((annotation) => annotation.name === verdict.evaluator);
    checks.that(named.length > 0, {
      headline: `The verdict of "${verdict.evaluator}" was not logged in Phoenix.`,
      expected: `an annotation named "${verdict.evaluator}" on the SERVER span ${spanId}`,
      got: annotations.length === 0 ? "no annotation at all reached Phoenix" : `annotations ${annotations.map((annotation) => `"${annotation.name}"`).join(", ")}`,
      mistake:
        annotations.length === 0
          ? "logVerdict sends nothing: call addSpanAnnotation({ client: phoenix, spanAnnotation: { spanId, name: verdict.evaluator, annotatorKind: verdict.kind, label, score, explanation } })."
          : "name the annotation after the evaluator (verdict.evaluator): Phoenix shows it as the evaluation's name.",
      hint: 6,
    });
    const annotation = named.find((each) => each.span_id === spanId) ?? named[0]!;
    // A verdict on a span this request never made: an earlier request's judging, still at work
    // when its judged() resolved, logged it during this one.
    const earlier = annotation.span_id !== spanId && ![...lessonChecks.spans, ...lessonChecks.unended()].some((span) => span.spanContext().spanId === annotation.span_id);
    checks.that(!earlier, {
      headline: `A verdict of "${verdict.evaluator}" on a span of an earlier request reached Phoenix during this one, and none on this answer's span.`,
      expected: `span_id ${spanId}: the SERVER span of this answer`,
      got: `span_id ${annotation.span_id}: no span of this request`,
      mistake: JUDGED_EARLY,
      hint: 2,
    });
    checks.that(annotation.span_id === spanId, {
      headline: `The verdict of "${verdict.evaluator}" is on the wrong span.`,
      expected: `span_id ${spanId}: the SERVER span, whose id the answer carries`,
      got: `span_id ${annotation.span_id}: ${spanNamed(checks, annotation.span_id)}`,
      mistake: "annotate the judged span (judgedSpanId, the SERVER span's id), not the EVALUATOR span that made the verdict or a span below the SERVER span.",
      hint: 6,
    });
    checkAnnotationResult(checks, annotation, { kind: verdict.kind, label: verdict.label, score: verdict.score, what: `The verdict of "${verdict.evaluator}"`, hint: 6 });
    checks.that(typeof annotation.result?.explanation === "string" && annotation.result.explanation.length > 0, {
      headline: `The verdict of "${verdict.evaluator}" reached Phoenix without its explanation.`,
      expected: "result.explanation: why the evaluator decided so",
      got: JSON.stringify(annotation.result),
      hint: 6,
    });
  }
}

function checkAnnotationResult(checks: SpanChecks, annotation: SentAnnotation, expected: { kind: string; label: string; score: number; what: string; hint: number }): void {
  checks.that(annotation.annotator_kind === expected.kind, {
    headline: `${expected.what} has the annotator kind "${annotation.annotator_kind}".`,
    expected: `"${expected.kind}"`,
    got: `"${annotation.annotator_kind}"`,
    mistake:
      expected.kind === "HUMAN"
        ? 'a vote comes from a person: annotatorKind "HUMAN" (phoenix-client sends HUMAN when none is given; CODE and LLM are for the evaluations).'
        : `the evaluator's own kind (evaluator.kind, "${expected.kind}" here): Phoenix tells a code check from a model's judgement by it. (Without annotatorKind, phoenix-client sends "HUMAN".)`,
    hint: expected.hint,
  });
  checks.that(annotation.result?.label === expected.label, {
    headline: `${expected.what} has the label ${JSON.stringify(annotation.result?.label)}.`,
    expected: `"${expected.label}"`,
    got: JSON.stringify(annotation.result?.label),
    mistake:
      expected.kind === "HUMAN"
        ? 'a vote\'s label is the vote as the user sent it, "up" or "down": Phoenix counts the answers by label, and the page and these checks send those two words.'
        : "the label is the one the evaluator returned (verdict.label).",
    hint: expected.hint,
  });
  checks.that(annotation.result?.score === expected.score, {
    headline: `${expected.what} has the score ${JSON.stringify(annotation.result?.score)}.`,
    expected: `${expected.score} (a number: Phoenix averages scores)`,
    got: JSON.stringify(annotation.result?.score),
    mistake: expected.kind === "HUMAN" ? "a vote's score: 1 for up, 0 for down." : "the score is the one the evaluator returned (verdict.score).",
    hint: expected.hint,
  });
}

export interface Votes {
  /** the server's answer to each vote, in order: alice up, alice down (changed), bob up */
  answers: ChatAnswer[];
}

/** The three votes the check sends: alice votes up, changes to down; bob votes up. */
export const VOTES = [
  { userId: "alice", vote: "up" },
  { userId: "alice", vote: "down" },
  { userId: "bob", vote: "up" },
] as const;

/** Three votes through the feedback route: in Phoenix, alice's down (her changed vote replaced her up) and bob's up, both user_feedback by a HUMAN on the SERVER span. */
export function checkVotes(
  lessonChecks: SpanChecks,
  phoenix: PhoenixStandIn,
  server: ReadableSpan,
  answers: ChatAnswer[],
  /** how many votes Phoenix had been sent when the server answered each vote */
  when: { votesSentAtAnswer?: number[] } = {},
): void {
  const checks = lessonChecks.taughtIn("feedback-and-evals");
  recordChecked("annotatorKind");
  // A vote Phoenix refused for its shape is answered 502: say what Phoenix found wrong first.
  checkPhoenixTookThem(checks, phoenix, 7);
  for (const [index, answer] of answers.entries()) {
    checks.that(answer.status === 200, {
      headline: `The server did not take ${VOTES[index]!.userId}'s vote "${VOTES[index]!.vote}".`,
      expected: `HTTP 200 from POST ${FEEDBACK_ROUTE}`,
      got: `HTTP ${answer.status}: ${JSON.stringify(answer.body)}`,
      mistake: answer.status === 501 ? "the feedback route does not record votes yet: call recordVote(judging.phoenix, vote) (TODO 3) and fill in recordVote (TODO 7)." : undefined,
      hint: answer.status === 501 ? 3 : 7,
    });
    const sent = when.votesSentAtAnswer?.[index];
    checks.that(sent === undefined || sent > index, {
      headline: `The server answered ${VOTES[index]!.userId}'s vote "${VOTES[index]!.vote}" with HTTP 200 before Phoenix had received it.`,
      expected: `vote ${index + 1} in Phoenix when the server answers it`,
      got: `${sent} vote(s) in Phoenix when the server answered`,
      mistake: "await recordVote before answering: respond(response, 200, ...) only once Phoenix took the vote, so the page is never told \"saved\" for a vote that was lost, and votes arrive in the order they were cast.",
      hint: 3,
    });
  }
  const votes = phoenix.annotations().filter((annotation) => annotation.name === FEEDBACK_ANNOTATION);
  const others = phoenix.annotations().filter((annotation) => !["names_every_city", "answers_the_question", FEEDBACK_ANNOTATION].includes(annotation.name));
  checks.that(votes.length > 0, {
    headline: `No "${FEEDBACK_ANNOTATION}" annotation reached Phoenix.`,
    expected: `annotations named "${FEEDBACK_ANNOTATION}" on the SERVER span`,
    got: others.length > 0 ? `annotations named ${others.map((annotation) => `"${annotation.name}"`).join(", ")}` : "none",
    mistake: others.length > 0 ? `name it "${FEEDBACK_ANNOTATION}" (FEEDBACK_ANNOTATION): Phoenix and the seed's chatbot group votes under that name.` : "recordVote sends nothing: addSpanAnnotation({ client: phoenix, spanAnnotation: { ... } }).",
    hint: 7,
  });
  const spanId = server.spanContext().spanId;
  const elsewhere = votes.find((vote) => vote.span_id !== spanId);
  checks.that(!elsewhere, {
    headline: "A vote is on the wrong span.",
    expected: `span_id ${spanId}: the span the answer named`,
    got: `span_id ${elsewhere?.span_id}: ${elsewhere ? spanNamed(checks, elsewhere.span_id) : ""}`,
    mistake: "annotate the span the vote names (vote.spanId): the page sends back the id the answer carried.",
    hint: 7,
  });
  const identifiers = phoenix.requests.flatMap((request) => ((request.body as { data?: SentAnnotation[] }).data ?? []).filter((sent) => sent.name === FEEDBACK_ANNOTATION).map((sent) => sent.identifier ?? ""));
  const [aliceFirst, aliceChanged, bob] = identifiers;
  checks.that(votes.length === 2, {
    headline:
      votes.length < 2
        ? `Phoenix holds ${votes.length} vote where alice's and bob's should stand side by side: bob's vote replaced alice's.`
        : `Phoenix holds ${votes.length} votes where there should be 2: alice's changed vote did not replace her first one, so her votes pile up.`,
    expected: 'alice: "down" (her change replaced her "up"), bob: "up"',
    got: votes.map((vote) => `${JSON.stringify(vote.identifier ?? "")}: ${JSON.stringify(vote.result?.label)}`).join(", "),
    mistake:
      votes.length < 2 && aliceFirst === bob
        ? `every vote has the identifier ${JSON.stringify(aliceFirst ?? "")}: Phoenix keeps one annotation per span, name and identifier, so each vote replaces the last, whoever cast it. Make the voter the identifier: identifier: userId.`
        : votes.length > 2 && aliceFirst !== aliceChanged
          ? `alice's two votes had different identifiers (${JSON.stringify(aliceFirst)}, ${JSON.stringify(aliceChanged)}): one made per vote (a random id, a time) never matches the earlier one. The identifier names the voter: identifier: userId.`
          : undefined,
    hint: 7,
  });
  const alice = votes.find((vote) => vote.identifier === aliceChanged);
  const bobs = votes.find((vote) => vote !== alice);
  checkAnnotationResult(checks, alice!, { kind: "HUMAN", label: "down", score: 0, what: "alice's vote (changed to down)", hint: 7 });
  checkAnnotationResult(checks, bobs!, { kind: "HUMAN", label: "up", score: 1, what: "bob's vote (up)", hint: 7 });
}

/** The answer came while the judge was still at work, and the SERVER span had ended by then: the user never waits for the judges. */
export function checkNotKeptWaiting(lessonChecks: SpanChecks, outcome: { answer?: ChatAnswer; thrown?: unknown; serverOpenWhileJudging?: boolean; judgeAsked: boolean }): void {
  const checks = lessonChecks.taughtIn("feedback-and-evals");
  checks.that(outcome.answer?.status === 200, {
    headline: "The answer did not come while the judge was still thinking: the server waits for the evaluations before it answers.",
    expected: "HTTP 200 with the reply, sent before the judges are done",
    got: outcome.answer ? `HTTP ${outcome.answer.status}: ${JSON.stringify(outcome.answer.body)}` : `no answer (${String(outcome.thrown)}), while the judge model held the request`,
    mistake: outcome.judgeAsked
      ? "judgeAnswer(...) is awaited before respond(...): the user then waits for every judge (a model call each). Send the answer first, then start judgeAnswer without await, and keep the promise in judging.underWay."
      : undefined,
    hint: 2,
  });
  checks.that(outcome.judgeAsked, {
    headline: "The answer was never judged by the LLM-as-judge: its model was not asked.",
    expected: "a request to the judge model after the answer",
    got: "none",
    hint: 2,
  });
  checks.that(outcome.serverOpenWhileJudging === false, {
    headline: "The SERVER span stayed open while the judge was at work.",
    expected: "the SERVER span ended once the answer was sent; the EVALUATOR spans go on under it",
    got: "the SERVER span was still open when the judge model was asked",
    mistake:
      "the judging is awaited inside the SERVER span's callback (after respond, but before the span ends): the user is not kept waiting, but the SERVER span's duration in Phoenix now counts the judges too. Start judgeAnswer without await.",
    hint: 2,
  });
}

export interface PhoenixTrouble {
  /** the server's answer to a vote while Phoenix was down or refusing */
  vote: ChatAnswer | { thrown: unknown };
  /** what the server told through its warn option while the verdicts could not be logged */
  warnings: string[];
  /** the server's answer to a question asked after that */
  next: ChatAnswer;
  /** unhandled promise rejections while it ran */
  unhandled: unknown[];
}

/** Phoenix unreachable or refusing: the vote is answered with one clear message, the verdicts' failure told once, and the chat goes on. */
export function checkChatGoesOn(lessonChecks: SpanChecks, trouble: PhoenixTrouble, words: RegExp, what: string): void {
  const checks = lessonChecks.taughtIn("feedback-and-evals");
  recordChecked("whyPhoenixFailed");
  checks.that(trouble.unhandled.length === 0, {
    headline: `With Phoenix ${what}, a Phoenix failure was thrown into the server: an unhandled promise rejection.`,
    expected: "every Phoenix failure caught and told",
    got: String(trouble.unhandled[0]),
    mistake: "an unhandled rejection ends a Node server (from Node 15 on): catch what addSpanAnnotation throws in the feedback route and answer 502 with whyPhoenixFailed(...); the verdicts' failures go to the warn callback judgeAnswer gets.",
    hint: 3,
  });
  const vote = "status" in trouble.vote ? trouble.vote : undefined;
  const error = vote && typeof vote.body === "object" ? vote.body.error : undefined;
  checks.that(vote?.status === 502 && words.test(String(error)), {
    headline: `With Phoenix ${what}, a vote should be answered 502 with a message that says so.`,
    expected: `HTTP 502, {"error": "..."} matching ${words}`,
    got: vote ? `HTTP ${vote.status}: ${JSON.stringify(vote.body)}` : `no answer: ${String((trouble.vote as { thrown: unknown }).thrown)}`,
    mistake: !vote
      ? "the feedback route let Phoenix's failure escape: no answer was sent. Catch it and respond(response, 502, { error: whyPhoenixFailed(error, ...) })."
      : vote.status === 200
        ? "the vote is reported saved though Phoenix did not take it: await recordVote, and answer only after it."
        : "say what went wrong in the user's words: whyPhoenixFailed(error, phoenixUrl, \"the vote\") names the cause and the fix.",
    hint: 3,
  });
  const told = trouble.warnings.filter((warning) => words.test(warning));
  checks.that(told.length === 1, {
    headline: `With Phoenix ${what}, the verdicts that could not be logged should be told once.`,
    expected: `one warning matching ${words}`,
    got: trouble.warnings.length === 0 ? "no warning" : trouble.warnings.map((warning) => JSON.stringify(warning)).join(", "),
    mistake: told.length === 0 ? "judgeAnswer's failures to log go to its warn argument: keep logVerdict's promise chained to .catch(warn), and let logVerdict throw what addSpanAnnotation throws." : undefined,
    hint: 6,
  });
  checks.that(trouble.next.status === 200, {
    headline: `With Phoenix ${what}, the chat did not go on.`,
    expected: "the next question answered, HTTP 200",
    got: `HTTP ${trouble.next.status}: ${JSON.stringify(trouble.next.body)}`,
    hint: 3,
  });
}

/** An ERROR EVALUATOR span for an evaluator that failed, and no verdict logged for it. */
export function checkFailedEvaluator(
  lessonChecks: SpanChecks,
  server: ReadableSpan,
  evaluator: string,
  /** unhandled promise rejections while the request and its judging ran */
  unhandled: unknown[] = [],
): void {
  const checks = lessonChecks.inTrace(server.spanContext().traceId).taughtIn("feedback-and-evals");
  checks.that(unhandled.length === 0, {
    headline: `The failing evaluator "${evaluator}" threw out of the judging: an unhandled promise rejection.`,
    expected: "judgeAnswer never throws: a failing evaluator is a verdict with an error",
    got: `unhandled rejection: ${String(unhandled[0])}`,
    mistake:
      "an unhandled rejection ends a real Node server (from Node 15 on), though nobody awaits the judging: in the catch around evaluator.evaluate(turn), record the error on the span and return { evaluator, kind, error }, do not rethrow.",
    hint: 5,
  });
  const span = checks.one({ name: evaluator }, `span of the failing evaluator "${evaluator}"`, { hint: 5 });
  checks.that(span.status.code === SpanStatusCode.ERROR, {
    headline: `The evaluator "${evaluator}" failed (its model answered HTTP 500), but its span does not say so.`,
    expected: "status ERROR, with the exception",
    got: SpanStatusCode[span.status.code],
    mistake: "in the catch around evaluator.evaluate(turn): span.recordException(error) and span.setStatus({ code: SpanStatusCode.ERROR, message }).",
    hint: 5,
  });
  checks.exceptionEvent(span, undefined, { hint: 5 });
  checks.that(Boolean(span.status.message), {
    headline: `The ERROR status of the failing evaluator "${evaluator}" has no message.`,
    expected: "span.setStatus({ code: SpanStatusCode.ERROR, message: <what failed> })",
    got: "an ERROR status without a message",
    hint: 5,
  });
}
