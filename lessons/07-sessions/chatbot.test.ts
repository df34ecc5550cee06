import { OpenInferenceSpanKind } from "@arizeai/openinference-semantic-conventions";
import { beforeAll, describe, it } from "vitest";
import { lessonGroupTitles } from "../../shared/lessons/check-contract.ts";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import { useLessonHarness } from "../../shared/testing/lesson-harness.ts";
import { loadLesson } from "../../shared/testing/lesson-module.ts";
import type { SpanChecks } from "../../shared/testing/span-checks.ts";
import { checkChainSpan } from "../../shared/testing/taught/chain-span.ts";
import { checkFailedModelCall, checkFailedTool, checkFailuresRecorded } from "../../shared/testing/taught/errors.ts";
import { checkLlmSpans } from "../../shared/testing/taught/llm-spans.ts";
import { checkMessages } from "../../shared/testing/taught/messages.ts";
import {
  checkHistorySent,
  checkMetadataAndTags,
  checkSessionOnEverySpan,
  checkSessionOnRoots,
  checkTurnTraces,
  type SessionExpectation,
  type SessionTurn,
} from "../../shared/testing/taught/sessions.ts";
import { checkTools } from "../../shared/testing/taught/tools.ts";
import { tracerSetupChecks } from "../../shared/testing/taught/tracer-setup.ts";

// The harness first: it registers the span capture before the lesson's module gets its tracer.
const harness = useLessonHarness(import.meta.url);
// Test group titles from lessons/lessons.json: "lesson N: ...", "still true from lessons 1 to N-1".
const titles = lessonGroupTitles(harness.lesson);
const { runConversation } = await loadLesson<typeof import("./chatbot.ts")>(import.meta.url, "chatbot.ts");
type Conversation = import("./chatbot.ts").Conversation;
const checks = () => harness.checks;

const tracing = await loadLesson<typeof import("./tracing.ts")>(import.meta.url, "tracing.ts");

/** The conversation every test has, as the app would start one for a signed-in user. */
const SESSION: SessionExpectation = {
  sessionId: "workbook-session-7",
  userId: "learner-7",
  metadata: (turnIndex) => ({ channel: "tests", turn: turnIndex + 1 }),
  tags: ["workbook", "tests"],
};

interface Outcome {
  turns: SessionTurn[];
  thrown?: unknown;
  model: ModelConnection;
}

/** Runs the questions as one conversation, on a clean slate of spans. */
async function converse(questions: string[]): Promise<Outcome> {
  const model = await harness.connect();
  const conversation: Conversation = { sessionId: SESSION.sessionId, userId: SESSION.userId, metadata: { channel: "tests" }, tags: [...SESSION.tags], messages: [] };
  const { value, thrown } = await harness.run(() => runConversation(model, conversation, questions));
  const turns = questions.map((question, index) => ({ question, reply: value?.[index] ?? "(the conversation threw)" }));
  return { turns, thrown, model };
}

/** Each turn's trace, in order: the trace of each CHAIN span (lessons 2 to 6 check each one as if it ran alone). */
function turnTraces(): SpanChecks[] {
  const chains = checks().all({ kind: OpenInferenceSpanKind.CHAIN });
  return [...new Set(chains.map((span) => span.spanContext().traceId))].map((traceId) => checks().inTrace(traceId));
}

/** Everything lessons 2 to 6 taught, on one turn's trace. */
function checkEarlierLessons(trace: SpanChecks, turn: SessionTurn, model: ModelConnection, status: "OK" | "ERROR" = "OK") {
  const chain = checkChainSpan(trace, { question: turn.question, reply: turn.reply, status });
  const calls = checkLlmSpans(trace, chain, model);
  checkMessages(trace, calls);
  const runs = checkTools(trace, chain, calls);
  checkFailuresRecorded(trace);
  return { calls, runs };
}

// The second question only makes sense after the first; the third asks about the history itself.
const QUESTIONS = ["What's the weather in Paris?", "And in London?", "What did I ask first?"];

describe(titles.own("a conversation of three turns is one Phoenix session"), () => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await converse(QUESTIONS);
  });

  it("each turn is its own trace, its root span the question and the reply as text, naming the session and the user", () => {
    const roots = checkTurnTraces(checks(), outcome.turns);
    checkSessionOnRoots(checks(), roots, SESSION);
  });

  it("every span of every turn carries session.id and user.id", () => {
    const roots = checkTurnTraces(checks(), outcome.turns);
    checkSessionOnEverySpan(checks(), roots, SESSION);
  });

  it("each turn's root span carries the metadata as JSON and the tags as a list of strings", () => {
    const roots = checkTurnTraces(checks(), outcome.turns);
    checkMetadataAndTags(checks(), roots, SESSION);
  });

  it("the follow-up is answered from the history: each model call is sent the earlier questions and replies", () => {
    const roots = checkTurnTraces(checks(), outcome.turns);
    checkHistorySent(checks(), roots, outcome.turns);
    const [, followUp, recall] = outcome.turns;
    checks().that(/In London it is/.test(followUp!.reply), { headline: 'The follow-up "And in London?" was not answered with London\'s weather.', expected: "a reply like: In London it is 14°C and drizzling.", got: followUp!.reply, hint: 1 });
    checks().that(recall!.reply.includes(QUESTIONS[0]!), { headline: 'The model could not say what was asked first.', expected: `a reply quoting ${JSON.stringify(QUESTIONS[0])}`, got: recall!.reply, hint: 1 });
  });

  // Last in this block: it runs a conversation of its own. A turn that returns early (the apology)
  // must name its session too, or Phoenix files the failed turn under no session at all.
  it("a turn whose model call fails still carries the session, the user, the metadata and the tags", async () => {
    const failed = await converse(["Hello [[fault:http-500]]"]);
    const roots = checkTurnTraces(checks(), failed.turns);
    checkSessionOnRoots(checks(), roots, SESSION);
    checkSessionOnEverySpan(checks(), roots, SESSION);
    checkMetadataAndTags(checks(), roots, SESSION);
  });
});

describe(titles.stillTrue(), () => {
  it(titles.taught(["first-span", "errors"], "every turn of the conversation is traced as taught (CHAIN root, LLM and TOOL spans, messages)"), async () => {
    const outcome = await converse(QUESTIONS);
    const traces = turnTraces();
    checks().that(traces.length === QUESTIONS.length, { headline: "Each turn should have its own CHAIN span, in its own trace.", expected: `${QUESTIONS.length} traces with a CHAIN span`, got: `${traces.length}` });
    traces.forEach((trace, index) => checkEarlierLessons(trace, outcome.turns[index]!, outcome.model));
  });

  it(titles.taught(["first-span", "tools"], "a question that needs two tools still yields LLM, TOOL, TOOL, LLM"), async () => {
    const outcome = await converse(["What's the weather in Paris and in Tokyo?"]);
    const [turn] = outcome.turns;
    checks().that(/Paris/.test(turn!.reply) && /Tokyo/.test(turn!.reply), { headline: "The happy path broke.", expected: "a reply about Paris and Tokyo", got: String(outcome.thrown ?? turn!.reply) });
    const { runs } = checkEarlierLessons(turnTraces()[0]!, turn!, outcome.model);
    checks().that(runs.length === 2, { headline: "The model's two tool calls should each have run.", expected: "2 TOOL spans", got: `${runs.length}` });
  });

  it(titles.taught("errors", "in a conversation, a failing tool and then a failing model are recorded, and the chatbot still answers"), async () => {
    const outcome = await converse(["What's the weather in Atlantis?", "Hello [[fault:http-500]]"]);
    const [toolFails, modelFails] = outcome.turns;
    const [first, second] = turnTraces();
    const { runs } = checkEarlierLessons(first!, toolFails!, outcome.model);
    checkFailedTool(first!, runs, /Unknown city/);
    const { calls } = checkEarlierLessons(second!, modelFails!, outcome.model, "ERROR");
    checkFailedModelCall(second!, calls, /ModelApiError.*500/);
  });

  // Last in the file: these checks replace the global tracer provider with the learner's own.
  it(titles.taught("tracer-setup", "tracing.ts sets up the provider, resource, exporters, context manager and Phoenix exporter"), async () => {
    for (const check of Object.values(tracerSetupChecks(tracing, harness.lesson))) await check();
  });
});
