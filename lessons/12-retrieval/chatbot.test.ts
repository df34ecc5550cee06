import { OpenInferenceSpanKind, SESSION_ID } from "@arizeai/openinference-semantic-conventions";
import { SpanKind, trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, it } from "vitest";
import { lessonGroupTitles } from "../../shared/lessons/check-contract.ts";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import { hangUpMidRequest, postChat, startRecordingServer, unreachableServerUrl, waitFor, type ChatAnswer } from "../../shared/testing/http-requests.ts";
import { useLessonHarness } from "../../shared/testing/lesson-harness.ts";
import { loadLesson } from "../../shared/testing/lesson-module.ts";
import type { SpanChecks } from "../../shared/testing/span-checks.ts";
import { checkChainSpan } from "../../shared/testing/taught/chain-span.ts";
import { checkFailedModelCall, checkFailedTool, checkFailuresRecorded } from "../../shared/testing/taught/errors.ts";
import {
  CHAT_ROUTE,
  checkBadRequest,
  checkClientSpan,
  checkHeadersSent,
  checkPropagatorsRegistered,
  checkServerFailure,
  checkServerSpan,
  checkSessionFromBaggage,
  checkUnsampledFollowed,
  traceparentOf,
  type SpanIdentity,
} from "../../shared/testing/taught/http-boundary.ts";
import { checkLlmSpans } from "../../shared/testing/taught/llm-spans.ts";
import { checkToldProviderCutOff, streamedCalls } from "../../shared/testing/taught/streaming.ts";
import { tapStreams, type StreamTap } from "../../shared/testing/stream-tap.ts";
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
import {
  checkAnswerCites,
  checkPromptFromTemplate,
  checkRetrievedFirst,
  checkRetrieval,
  expectedRetrieval,
  type ExpectedRetrieval,
} from "../../shared/testing/taught/retrieval.ts";
import { checkTools } from "../../shared/testing/taught/tools.ts";
import { tracerSetupChecks } from "../../shared/testing/taught/tracer-setup.ts";

// The harness first: it registers the span capture before the lesson's module gets its tracer.
const harness = useLessonHarness(import.meta.url);
// Test group titles from lessons/lessons.json: "lesson N: ...", "still true from lessons 1 to N-1".
const titles = lessonGroupTitles(harness.lesson);
const chatbot = {
  ...(await loadLesson<typeof import("./chatbot.ts")>(import.meta.url, "chatbot.ts")),
  ...(await loadLesson<typeof import("./chat-server.ts")>(import.meta.url, "chat-server.ts")),
  ...(await loadLesson<typeof import("./chat-client.ts")>(import.meta.url, "chat-client.ts")),
};
const retrieval = await loadLesson<typeof import("./retrieval.ts")>(import.meta.url, "retrieval.ts");
type Conversation = import("./chatbot.ts").Conversation;
const checks = () => harness.checks;

const tracing = await loadLesson<typeof import("./tracing.ts")>(import.meta.url, "tracing.ts");

const SESSION_SENT = "workbook-session-retrieval";
const QUESTION = "What's the weather in Paris?";
/** A caller's span, as another service's traceparent would name it. */
const CALLER: SpanIdentity = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };

let server: { url: string; close(): Promise<void> };
let port: number;
/** The span that was active when the server started listening: a traced startup, as many apps have. */
let startup: SpanIdentity;

beforeAll(async () => {
  const model = await harness.connect();
  // Node runs every request in the context that was active when the server began listening:
  // here a "server startup" span, so a request that joins its trace shows the mistake.
  server = await trace.getTracer("lesson-tests").startActiveSpan("server startup", async (span) => {
    startup = span.spanContext();
    try {
      return await chatbot.startChatServer(model);
    } finally {
      span.end();
    }
  });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await server?.close();
});

/** A request straight to the server, as any caller could send it, on a clean slate of spans. */
async function post(body: unknown, headers: Record<string, string> = {}): Promise<ChatAnswer> {
  const { value, thrown } = await harness.run(() => postChat(server.url, body, headers));
  if (value) return value;
  return checks().taughtIn("http-boundary").fail({ headline: "The chat server did not answer the request.", expected: "an HTTP answer", got: String(thrown), mistake: "the server closed the connection, or sent no answer within 5 s: does its request handler throw, or leave a path without response.end()?", hint: 3 });
}

function replyOf(answer: ChatAnswer): string | undefined {
  return typeof answer.body === "object" ? answer.body.reply : undefined;
}

function expectAnswered(answer: ChatAnswer, why: string): string {
  const reply = replyOf(answer);
  checks().taughtIn("http-boundary").that(answer.status === 200 && typeof reply === "string" && reply.length > 0, {
    headline: `The server did not answer ${why}.`,
    expected: 'HTTP 200 with {"reply": "..."}',
    got: `HTTP ${answer.status}: ${JSON.stringify(answer.body)}`,
    hint: 3,
  });
  return reply!;
}

// ─── This lesson: the retrieval step of the chat turn ─────────────────────────────────────────

/** Runs one question as a chat turn in this process, on a clean slate of spans; returns what to check it against. */
async function askOnce(question: string, { embeddingFault }: { embeddingFault?: "http-500" } = {}): Promise<{ reply: string; thrown?: unknown; expected: ExpectedRetrieval; model: ModelConnection; tap: StreamTap }> {
  const model = await harness.connect();
  const expected = await expectedRetrieval(model, question, { topK: retrieval.TOP_K, minScore: retrieval.MIN_SCORE });
  const tap = tapStreams(model);
  const conversation: Conversation = { sessionId: SESSION_SENT, userId: "learner-retrieval", metadata: { channel: "tests" }, tags: ["workbook"], messages: [] };
  if (embeddingFault) harness.offlineModel.injectEmbeddingFaults(embeddingFault);
  try {
    const { value, thrown } = await harness.run(() => chatbot.chatTurn(tap.model, conversation, question));
    return { reply: value ?? "(the turn threw)", thrown, expected, model, tap };
  } finally {
    harness.offlineModel.injectEmbeddingFaults();
  }
}

/** The turn's trace as the earlier lessons taught it, then its retrieval, its prompt and its answer. */
function checkRetrievalTurn(trace: SpanChecks, outcome: { reply: string; expected: ExpectedRetrieval; model: ModelConnection; tap: StreamTap }) {
  const chain = checkChainSpan(trace, { question: outcome.expected.question, reply: outcome.reply });
  const spans = checkRetrieval(trace, chain, outcome.expected);
  const calls = checkLlmSpans(trace, chain, outcome.model, { streamed: streamedCalls(trace, outcome.tap) });
  checkRetrievedFirst(trace, chain, spans);
  checkPromptFromTemplate(trace, calls, outcome.expected);
  checkAnswerCites(trace, outcome.reply, outcome.expected);
  return { chain, calls, ...spans };
}

describe(titles.own("a retrieval step, traced: RETRIEVER, EMBEDDING, the prompt's template, an answer that cites"), () => {
  it("a question the city guide answers: a RETRIEVER span under the turn with the question's EMBEDDING inside, the documents best first, then the model, whose prompt holds them and names its template; the answer cites them", async () => {
    const outcome = await askOnce("When is the best season to visit Paris?");
    checks().that(outcome.expected.found.length === 2, { headline: "The test's question should match two documents of the city guide.", expected: "2", got: String(outcome.expected.found.length) });
    checkRetrievalTurn(checks(), outcome);
  });

  it("a question that matches more documents than the search keeps: the best few only, by score", async () => {
    const outcome = await askOnce("When is the best season to visit Paris, Cairo or New York?");
    checks().that(outcome.expected.found.length === retrieval.TOP_K, { headline: "The test's question should match more documents than the search keeps.", expected: String(retrieval.TOP_K), got: String(outcome.expected.found.length) });
    checkRetrievalTurn(checks(), outcome);
  });

  it("a question nothing in the guide matches: the RETRIEVER span records no document and is no error, and the answer says nothing covers it", async () => {
    const outcome = await askOnce("What is the capital of Mars?");
    checks().that(outcome.expected.found.length === 0, { headline: "The test's question should match no document.", expected: "0", got: String(outcome.expected.found.length) });
    checkRetrievalTurn(checks(), outcome);
  });

  it("the embeddings endpoint fails: the EMBEDDING and RETRIEVER spans are ERRORs with the exception, and the user gets a useful reply", async () => {
    const outcome = await askOnce("When is the best season to visit Paris?", { embeddingFault: "http-500" });
    const chain = checkChainSpan(checks(), { question: outcome.expected.question, reply: outcome.reply, status: "ERROR" });
    checkRetrieval(checks(), chain, outcome.expected, { failed: true });
    checks().that(checks().all({ kind: OpenInferenceSpanKind.LLM }).length === 0, {
      headline: "The model was asked though the retrieval failed.",
      expected: "no LLM span: the turn ends with the failure",
      got: `${checks().all({ kind: OpenInferenceSpanKind.LLM }).length} LLM span(s)`,
      mistake: "rethrow the error from the RETRIEVER span's catch, so the chat turn answers the failure as a model's.",
      hint: 4,
    });
    checks().that(/HTTP 500/.test(outcome.reply), { headline: "The user is not told what failed.", expected: "a reply naming the model service's error (HTTP 500)", got: outcome.reply, hint: 4 });
  });

  it("through the chat server, as the lesson runs: one trace, the retrieval under the server's chat turn", async () => {
    const question = "When is the best season to visit Paris?";
    const model = await harness.connect();
    const expected = await expectedRetrieval(model, question, { topK: retrieval.TOP_K, minScore: retrieval.MIN_SCORE });
    const { value: reply, thrown } = await harness.run(() => chatbot.askChatServer(server.url, SESSION_SENT, question));
    checks().that(typeof reply === "string" && reply.length > 0, { headline: "The client got no reply from the server.", expected: "a reply", got: String(thrown ?? reply), hint: 1 });
    const chain = checks().one({ kind: OpenInferenceSpanKind.CHAIN, name: "chat_turn" }, "chat turn under the SERVER span", { hint: 1 });
    const spans = checkRetrieval(checks(), chain, expected);
    checkRetrievedFirst(checks(), chain, spans);
    checkAnswerCites(checks(), reply!, expected);
  });
});

// ─── What the earlier lessons taught, on the chat turn with its retrieval ─────────────────────

/** The conversation every test has, as the app would start one for a signed-in user. */
const SESSION: SessionExpectation = {
  sessionId: SESSION_SENT,
  userId: "learner-retrieval",
  metadata: (turnIndex) => ({ channel: "tests", turn: turnIndex + 1 }),
  tags: ["workbook", "tests"],
};

interface Outcome {
  turns: SessionTurn[];
  thrown?: unknown;
  model: ModelConnection;
  /** what the chatbot received from each streamed model call (lesson 8's checks compare the LLM spans with it) */
  tap: StreamTap;
}

/** Runs the questions as one conversation in this process, through a tapped model connection, on a clean slate of spans. */
async function converse(questions: string[], { stopAfterText = false } = {}): Promise<Outcome> {
  const model = await harness.connect();
  const tap = tapStreams(model);
  const conversation: Conversation = { sessionId: SESSION.sessionId, userId: SESSION.userId, metadata: { channel: "tests" }, tags: [...SESSION.tags], messages: [] };
  // With stopAfterText, the user stops the answer as soon as its first text arrives (lesson 8).
  const stop = new AbortController();
  const options = { onText: () => (stopAfterText ? stop.abort() : undefined), signal: stop.signal };
  const { value, thrown } = await harness.run(() => chatbot.runConversation(tap.model, conversation, questions, options));
  const turns = questions.map((question, index) => ({ question, reply: value?.[index] ?? "(the conversation threw)" }));
  return { turns, thrown, model, tap };
}

/** Each turn's trace, in order. */
function turnTraces(): SpanChecks[] {
  const chains = checks().all({ kind: OpenInferenceSpanKind.CHAIN });
  return [...new Set(chains.map((span) => span.spanContext().traceId))].map((traceId) => checks().inTrace(traceId));
}

/** Everything lessons 2 to 8 taught, on one turn's trace: the LLM spans against the streams the chatbot read. */
function checkEarlierLessons(trace: SpanChecks, turn: SessionTurn, outcome: Outcome, status: "OK" | "ERROR" = "OK") {
  const chain = checkChainSpan(trace, { question: turn.question, reply: turn.reply, status });
  const calls = checkLlmSpans(trace, chain, outcome.model, { streamed: streamedCalls(trace, outcome.tap) });
  checkMessages(trace, calls);
  const runs = checkTools(trace, chain, calls);
  checkFailuresRecorded(trace);
  return { calls, runs };
}

const QUESTIONS = ["What's the weather in Paris?", "And in London?", "What did I ask first?"];

describe(titles.stillTrue(), () => {
  it(titles.taught("http-boundary", "tracing.ts registers the W3C propagators: traceparent and baggage are written and read"), async () => {
    await checkPropagatorsRegistered(tracing, harness.lesson);
  });

  it(titles.taught("http-boundary", "the client: its call is a CLIENT span, the root of the trace, and the request carries its traceparent and the session id in baggage"), async () => {
    const recorder = await startRecordingServer("a reply from the stand-in server");
    try {
      const { value: reply } = await harness.run(() => chatbot.askChatServer(recorder.url, SESSION_SENT, QUESTION));
      const client = checkClientSpan(checks(), { url: `${recorder.url}${CHAT_ROUTE}`, question: QUESTION, sessionId: SESSION_SENT, reply, statusCode: 200 });
      checkHeadersSent(checks(), client, recorder.requests[0], SESSION_SENT);
    } finally {
      await recorder.close();
    }
  });

  it(titles.taught("http-boundary", "the server: a request with traceparent and baggage is a SERVER span under the caller's span, the chat turn under it, every span with the session id"), async () => {
    const answer = await post({ question: QUESTION }, { traceparent: traceparentOf(CALLER), baggage: `${SESSION_ID}=${SESSION_SENT}` });
    const reply = expectAnswered(answer, "a request from a traced caller");
    const server = checkServerSpan(checks(), { port, statusCode: 200, parent: CALLER, startup, question: QUESTION, reply });
    checkSessionFromBaggage(checks(), server, SESSION_SENT);
  });

  it(titles.taught("http-boundary", "client to server: one trace, the CLIENT span its root and the SERVER span its child, every span naming the session"), async () => {
    const { value: reply, thrown } = await harness.run(() => chatbot.askChatServer(server.url, SESSION_SENT, QUESTION));
    checks().taughtIn("http-boundary").that(typeof reply === "string" && reply.length > 0, { headline: "The client got no reply from the server.", expected: "a reply", got: String(thrown ?? reply), hint: 2 });
    const client = checkClientSpan(checks(), { url: `${server.url}${CHAT_ROUTE}`, question: QUESTION, sessionId: SESSION_SENT, reply, statusCode: 200 });
    const serverSpan = checkServerSpan(checks(), { port, statusCode: 200, parent: client.spanContext(), startup, question: QUESTION, reply });
    checkSessionFromBaggage(checks(), serverSpan, SESSION_SENT);
    const traces = new Set(checks().spans.map((span) => span.spanContext().traceId));
    checks().taughtIn("http-boundary").that(traces.size === 1, { headline: "The call made more than one trace.", expected: "1 trace, from the CLIENT span down", got: `${traces.size} traces`, hint: 3 });
  });

  it(titles.taught("http-boundary", "without baggage, no span of the request carries a session id: the server invents none"), async () => {
    const answer = await post({ question: QUESTION }, { traceparent: traceparentOf(CALLER) });
    const reply = expectAnswered(answer, "a request without baggage");
    const server = checkServerSpan(checks(), { port, statusCode: 200, parent: CALLER, startup, question: QUESTION, reply });
    checkSessionFromBaggage(checks(), server, undefined);
  });

  it(titles.taught("http-boundary", "a request without a valid traceparent starts a new trace, even on a server started inside a span; a malformed header is ignored, not a crash"), async () => {
    const cases: Array<[string, Record<string, string>]> = [
      ["no traceparent", {}],
      ["a traceparent that is not one", { traceparent: "not-a-traceparent" }],
      ["a traceparent with an all-zero trace id", { traceparent: "00-00000000000000000000000000000000-b7ad6b7169203331-01" }],
      ["a malformed baggage header", { traceparent: "garbage", baggage: `${SESSION_ID}=%E0%A4%A,;;==` }],
    ];
    for (const [what, headers] of cases) {
      const answer = await post({ question: QUESTION }, headers);
      const reply = expectAnswered(answer, `a request with ${what}`);
      const server = checkServerSpan(checks(), { port, statusCode: 200, startup, question: QUESTION, reply });
      checkSessionFromBaggage(checks(), server, undefined);
    }
  });

  it(titles.taught("http-boundary", "a caller's traceparent that says not sampled (-00) is followed: nothing is recorded, and the question is still answered"), async () => {
    const answer = await post({ question: QUESTION }, { traceparent: traceparentOf(CALLER, false), baggage: `${SESSION_ID}=${SESSION_SENT}` });
    checkUnsampledFollowed(checks(), answer);
  });

  it(titles.taught("http-boundary", "an invalid body is answered 400 naming the problem: the SERVER span records the 400 without calling it an error, the client's CLIENT span does"), async () => {
    const notJson = await post("this is not JSON");
    checkBadRequest(checks(), notJson, /JSON/, port);
    const noQuestion = await post({ text: QUESTION });
    checkBadRequest(checks(), noQuestion, /question/, port);
    // Through the client: an empty question, which the server refuses.
    const { thrown } = await harness.run(() => chatbot.askChatServer(server.url, SESSION_SENT, ""));
    checks().taughtIn("http-boundary").that(thrown instanceof Error && /question/.test(thrown.message), {
      headline: "The client should throw when the server refuses the question, and say why.",
      expected: "an Error whose message holds the server's reason (it names the question)",
      got: thrown === undefined ? "no error: the client returned" : String(thrown),
      hint: 4,
    });
    checkClientSpan(checks(), { url: `${server.url}${CHAT_ROUTE}`, question: "", sessionId: SESSION_SENT, statusCode: 400 });
  });

  it(titles.taught("http-boundary", "when the call fails outright, the span of the side that failed says so: a caller that hangs up mid-request, a server that cannot be reached"), async () => {
    await harness.run(async () => {
      // Hang up once the server is at work on the request (its SERVER span is open), then give it the moment it needs to end it.
      await hangUpMidRequest(server.url, () => harness.capture.unended().some((span) => span.kind === SpanKind.SERVER));
      await waitFor(() => harness.capture.unended().length === 0 && harness.capture.finished().some((span) => span.kind === SpanKind.SERVER));
    });
    checkServerFailure(checks(), port);

    const nowhere = await unreachableServerUrl();
    const { thrown } = await harness.run(() => chatbot.askChatServer(nowhere, SESSION_SENT, QUESTION));
    checks().taughtIn("http-boundary").that(thrown !== undefined, { headline: "The client should throw when the server cannot be reached.", expected: "an error", got: "it returned", hint: 4 });
    checkClientSpan(checks(), { url: `${nowhere}${CHAT_ROUTE}`, question: QUESTION, sessionId: SESSION_SENT });
  });

  it(titles.taught(["first-span", "sessions"], "a conversation of three turns, each its own trace, traced as taught, one Phoenix session"), async () => {
    const outcome = await converse(QUESTIONS);
    const roots = checkTurnTraces(checks(), outcome.turns);
    checkSessionOnRoots(checks(), roots, SESSION);
    checkSessionOnEverySpan(checks(), roots, SESSION);
    checkMetadataAndTags(checks(), roots, SESSION);
    checkHistorySent(checks(), roots, outcome.turns);
    turnTraces().forEach((trace, index) => checkEarlierLessons(trace, outcome.turns[index]!, outcome));
  });

  it(titles.taught([["first-span", "tools"], ["streaming"]], "a question that needs two tools still yields LLM, TOOL, TOOL, LLM, the two calls streamed apart"), async () => {
    const outcome = await converse(["What's the weather in Paris and in Tokyo?"]);
    const [turn] = outcome.turns;
    checks().that(/Paris/.test(turn!.reply) && /Tokyo/.test(turn!.reply), { headline: "The happy path broke.", expected: "a reply about Paris and Tokyo", got: String(outcome.thrown ?? turn!.reply) });
    const { runs } = checkEarlierLessons(turnTraces()[0]!, turn!, outcome);
    checks().that(runs.length === 2, { headline: "The model's two tool calls should each have run.", expected: "2 TOOL spans", got: `${runs.length}` });
  });

  it(titles.taught("streaming", "the user stops the answer: the LLM span ends with what arrived, says so, and is no ERROR"), async () => {
    const outcome = await converse(["Hello!"], { stopAfterText: true });
    checkEarlierLessons(turnTraces()[0]!, outcome.turns[0]!, outcome);
  });

  it(titles.taught("streaming", "a stream cut off mid-answer is an ERROR that keeps what arrived, and the user is told it was cut off"), async () => {
    const outcome = await converse(["Hello! [[fault:stream-abort]]"]);
    const [turn] = outcome.turns;
    const { calls } = checkEarlierLessons(turnTraces()[0]!, turn!, outcome, "ERROR");
    checkFailedModelCall(turnTraces()[0]!, calls, /ModelConnectionCutError/);
    checks().that(/cut off/i.test(turn!.reply), { headline: "The user is not told that the answer was cut off.", expected: "a reply saying the answer was cut off", got: turn!.reply });
  });

  it(titles.taught("streaming", "a stream the provider ends with an error event is an ERROR in the provider's words, and the user is told"), async () => {
    const outcome = await converse(["Hello! [[fault:stream-error]]"]);
    checkEarlierLessons(turnTraces()[0]!, outcome.turns[0]!, outcome, "ERROR");
    checkToldProviderCutOff(checks(), outcome.turns[0]!.reply, outcome.tap);
  });

  it(titles.taught([["errors"], ["sessions"]], "a failing tool and then a failing model are recorded, the chatbot still answers, and the failed turn names its session"), async () => {
    const outcome = await converse(["What's the weather in Atlantis?", "Hello [[fault:http-500]]"]);
    const [toolFails, modelFails] = outcome.turns;
    const [first, second] = turnTraces();
    const { runs } = checkEarlierLessons(first!, toolFails!, outcome);
    checkFailedTool(first!, runs, /Unknown city/);
    const { calls } = checkEarlierLessons(second!, modelFails!, outcome, "ERROR");
    checkFailedModelCall(second!, calls, /ModelApiError.*500/);
    const roots = checkTurnTraces(checks(), outcome.turns);
    checkSessionOnEverySpan(checks(), roots, SESSION);
    checkMetadataAndTags(checks(), roots, SESSION);
  });

  // Last in the file: these checks replace the global tracer provider with the learner's own.
  it(titles.taught("tracer-setup", "tracing.ts sets up the provider, resource, exporters, context manager and Phoenix exporter"), async () => {
    for (const check of Object.values(tracerSetupChecks(tracing, harness.lesson))) await check();
  });
});
