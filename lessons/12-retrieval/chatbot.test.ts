import path from "node:path";
import { OpenInferenceSpanKind, SESSION_ID } from "@arizeai/openinference-semantic-conventions";
import { createClient } from "@arizeai/phoenix-client";
import { SpanKind, trace } from "@opentelemetry/api";
import { MockLanguageModelV3 } from "ai/test";
import { afterAll, beforeAll, describe, it } from "vitest";
import { lessonGroupTitles } from "../../shared/lessons/check-contract.ts";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import { startHeldJudge } from "../../shared/testing/held-judge.ts";
import { hangUpMidRequest, postChat, unreachableServerUrl, waitFor, type ChatAnswer, ANSWER_TIMEOUT_MS } from "../../shared/testing/http-requests.ts";
import { useLessonHarness } from "../../shared/testing/lesson-harness.ts";
import { lessonFilePath, loadLesson } from "../../shared/testing/lesson-module.ts";
import { startPhoenixStandIn, type PhoenixStandIn } from "../../shared/testing/phoenix-stand-in/phoenix-stand-in.ts";
import type { SpanChecks } from "../../shared/testing/span-checks.ts";
import { checkChainSpan } from "../../shared/testing/taught/chain-span.ts";
import { checkFailedModelCall, checkFailedTool, checkFailuresRecorded } from "../../shared/testing/taught/errors.ts";
import {
  FEEDBACK_ANNOTATION,
  FEEDBACK_ROUTE,
  VOTES,
  checkAnswerNamesItsSpan,
  checkChatGoesOn,
  checkEvaluatorSpans,
  checkFailedEvaluator,
  checkNotKeptWaiting,
  checkVerdictsLogged,
  checkVotes,
  type ExpectedVerdict,
  type PhoenixTrouble,
} from "../../shared/testing/taught/feedback-and-evals.ts";
import {
  CHAT_ROUTE,
  checkBadRequest,
  checkClientSpan,
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
import { exportingChecks } from "../../shared/testing/taught/exporting.ts";

// The harness first: it registers the span capture before the lesson's module gets its tracer.
const harness = useLessonHarness(import.meta.url);
// Test group titles from lessons/lessons.json: "lesson N: ...", "still true from lessons 1 to N-1".
const titles = lessonGroupTitles(harness.lesson);
const chatbot = {
  ...(await loadLesson<typeof import("./chatbot.ts")>(import.meta.url, "chatbot.ts")),
  ...(await loadLesson<typeof import("./chat-server.ts")>(import.meta.url, "chat-server.ts")),
  ...(await loadLesson<typeof import("./chat-client.ts")>(import.meta.url, "chat-client.ts")),
};
type Conversation = import("./chatbot.ts").Conversation;
type ChatServer = Awaited<ReturnType<typeof chatbot.startChatServer>>;
type JudgingOptions = NonNullable<Parameters<typeof chatbot.startChatServer>[1]>;
const checks = () => harness.checks;

const tracing = await loadLesson<typeof import("./tracing.ts")>(import.meta.url, "tracing.ts");
const retrieval = await loadLesson<typeof import("./retrieval.ts")>(import.meta.url, "retrieval.ts");
/** The folder whose modules the tests load (the learner's, the solution, or a copy): child processes load them too. */
const lessonFolder = path.dirname(lessonFilePath(import.meta.url, "tracing.ts"));
const exporting = exportingChecks(tracing, lessonFolder, harness.capture, harness.lesson);
// The chatbot's own processes (exit, signals, a long conversation, a collector down) start now and run while the checks do.
beforeAll(() => exporting.startProcesses());

const SESSION_SENT = "workbook-session-retrieval";
const QUESTION = "What's the weather in Paris and in Tokyo?";
/** What the evaluators must say of the answer to QUESTION: it names both cities, and it answers. */
const GOOD: ExpectedVerdict[] = [
  { evaluator: "names_every_city", kind: "CODE", label: "complete", score: 1 },
  { evaluator: "answers_the_question", kind: "LLM", label: "answered", score: 1 },
];
/** A caller's span, as another service's traceparent would name it. */
const CALLER: SpanIdentity = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331" };

/** Phoenix's REST API as the tests stand it in: it checks each body against Phoenix's own schema. */
let phoenix: PhoenixStandIn;
let model: ModelConnection;
let server: ChatServer;
let port: number;
/** The span that was active when the server started listening: a traced startup, as many apps have. */
let startup: SpanIdentity;
/** How many requests Phoenix had received when the last post's judged() resolved. */
let requestsWhenJudged: number | undefined;
/** What the server told through its warn option. */
const warnings: string[] = [];
/** Other servers a test started: stopped at the end. */
const extraServers: ChatServer[] = [];

const phoenixClient = (url: string) => createClient({ options: { baseUrl: url }, getEnvironmentOptions: () => ({}) });

/** Starts another chat server of the lesson's, with these options (Phoenix and the warnings default to the tests'). */
async function startServer(options: JudgingOptions = {}): Promise<ChatServer> {
  const started = await chatbot.startChatServer(model, { phoenix: phoenixClient(phoenix.url), warn: (message) => warnings.push(message), ...options });
  extraServers.push(started);
  return started;
}

beforeAll(async () => {
  phoenix = await startPhoenixStandIn();
  model = await harness.connect();
  // Node runs every request in the context that was active when the server began listening:
  // here a "server startup" span, so a request that joins its trace shows the mistake.
  server = await trace.getTracer("lesson-tests").startActiveSpan("server startup", async (span) => {
    startup = span.spanContext();
    try {
      return await chatbot.startChatServer(model, { phoenix: phoenixClient(phoenix.url), warn: (message) => warnings.push(message) });
    } finally {
      span.end();
    }
  });
  port = Number(new URL(server.url).port);
});
afterAll(async () => {
  await Promise.all([server, ...extraServers].map((each) => each?.close()));
  await phoenix?.close();
});

/** A request straight to a server, on a clean slate of spans and annotations, waiting for its judges too. */
async function post(body: unknown, headers: Record<string, string> = {}, on: ChatServer = server): Promise<ChatAnswer> {
  phoenix.reset();
  warnings.length = 0;
  requestsWhenJudged = undefined;
  const { value, thrown } = await harness.run(async () => {
    try {
      return await postChat(on.url, body, headers);
    } finally {
      await on.judged();
      requestsWhenJudged = phoenix.requests.length;
    }
  });
  if (value) return value;
  return checks().fail({ headline: "The chat server did not answer the request.", expected: "an HTTP answer", got: String(thrown), mistake: "the server closed the connection, or sent no answer within 5 s: does its request handler throw, or leave a path without response.end()?", hint: 1 });
}

/** A vote through the feedback route, as the page sends it; undefined body fields are left out. */
async function vote(body: unknown, on: ChatServer = server): Promise<ChatAnswer> {
  const response = await fetch(new URL(FEEDBACK_ROUTE, on.url), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) as ChatAnswer["body"] };
  } catch {
    return { status: response.status, body: text };
  }
}

function replyOf(answer: ChatAnswer): string {
  return typeof answer.body === "object" ? (answer.body.reply ?? "") : "";
}

/** Unhandled promise rejections while `work` runs: a Phoenix failure thrown into the server. */
async function catchingUnhandled<T>(work: () => Promise<T>): Promise<{ value: T; unhandled: unknown[] }> {
  const unhandled: unknown[] = [];
  const note = (reason: unknown) => unhandled.push(reason);
  // Ours alone while it runs: the check below says what such a rejection means, where vitest
  // would only report it as an error of the whole file.
  const others = process.listeners("unhandledRejection");
  process.removeAllListeners("unhandledRejection");
  process.on("unhandledRejection", note);
  try {
    const value = await work();
    // A rejection is reported after the microtasks of its turn: give it that turn.
    await new Promise((resolve) => setImmediate(resolve));
    return { value, unhandled };
  } finally {
    process.off("unhandledRejection", note);
    for (const listener of others) process.on("unhandledRejection", listener);
  }
}

/** With Phoenix down or refusing: a question (its verdicts fail to log), a vote on it, then the next question. */
async function troubleWith(on: ChatServer): Promise<PhoenixTrouble> {
  const { value, unhandled } = await catchingUnhandled(async () => {
    const first = await post({ question: QUESTION }, {}, on);
    const told = [...warnings];
    const spanId = typeof first.body === "object" ? (first.body as { spanId?: string }).spanId : undefined;
    const answered = await vote({ spanId: spanId ?? "0123456789abcdef", vote: "up", userId: "alice" }, on).then(
      (answer) => answer,
      (thrown: unknown) => ({ thrown }),
    );
    const next = await post({ question: "And in London?" }, {}, on);
    return { vote: answered, warnings: told, next };
  });
  return { ...value, unhandled };
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

// ─── What lessons 10 and 11 taught: spans that survive production, votes and verdicts ────────

/** The tests that read the chatbot's own processes wait for them: a second each on a quiet machine, more on a loaded one (see CHILD_TIMEOUT_MS). */
const CHILD_PROCESS_TEST_MS = 45_000;

describe(titles.stillTrue(), () => {
  it(titles.taught("exporting", "spans leave in batches, as gzip protobuf, with the project in the resource and the x-project-name header"), async () => {
    await exporting.batchesAsGzipProtobuf();
  });

  it(titles.taught("exporting", "a 60-message conversation keeps every attribute of its LLM span, and a long value is cut at the set length"), async () => {
    await exporting.longConversationKept();
  }, CHILD_PROCESS_TEST_MS);

  it(titles.taught("exporting", "a script that ends right after its turn delivers every span, and so does one stopped by SIGTERM or Ctrl-C"), async () => {
    await exporting.flushedOnExit();
  }, CHILD_PROCESS_TEST_MS);

  it(titles.taught("exporting", "with the collector down or hanging the chatbot answers, says so once (not once per batch), keeps a bounded queue and still ends"), async () => {
    await exporting.collectorDown();
    await exporting.collectorHanging();
  }, CHILD_PROCESS_TEST_MS);

  it(titles.taught("exporting", "the sampler keeps or drops whole traces, at the ratio of OTEL_TRACES_SAMPLER_ARG, and follows a caller's decision"), async () => {
    await exporting.samplerKeepsTracesWhole();
  });
});

describe(titles.stillTrue(), () => {
  it(titles.taught("feedback-and-evals", "the answer names the span to judge: the SERVER span's id, and its trace id"), async () => {
    const answer = await post({ question: QUESTION }, { traceparent: traceparentOf(CALLER), baggage: `${SESSION_ID}=${SESSION_SENT}` });
    checkAnswerNamesItsSpan(checks(), answer);
  });

  it(titles.taught("feedback-and-evals", "each answer is judged once sent, by code and by a model: an EVALUATOR span each, under the SERVER span, with what was judged and the verdict, logged on the SERVER span as CODE and LLM annotations"), async () => {
    const answer = await post({ question: QUESTION }, { baggage: `${SESSION_ID}=${SESSION_SENT}` });
    const server = checkAnswerNamesItsSpan(checks(), answer);
    checkEvaluatorSpans(checks(), server, { question: QUESTION, reply: replyOf(answer) }, GOOD);
    checkVerdictsLogged(checks(), phoenix, server, GOOD, { requestsWhenJudged });
  });

  it(titles.taught("feedback-and-evals", "an answer that fails the user gets the bad verdicts: the model failed, so no city is named and the reply only asks to try again"), async () => {
    const question = "What's the weather in Paris?";
    // The chat's first model call fails; the judges' calls, after it, go through.
    harness.offlineModel.injectFaults("http-500");
    const answer = await post({ question });
    const server = checkAnswerNamesItsSpan(checks(), answer);
    const bad: ExpectedVerdict[] = [
      { evaluator: "names_every_city", kind: "CODE", label: "incomplete", score: 0 },
      { evaluator: "answers_the_question", kind: "LLM", label: "unanswered", score: 0 },
    ];
    checkEvaluatorSpans(checks(), server, { question, reply: replyOf(answer) }, bad);
    checkVerdictsLogged(checks(), phoenix, server, bad, { requestsWhenJudged });
  });

  it(titles.taught("feedback-and-evals", "a vote is a user_feedback annotation by a HUMAN on the SERVER span, label up or down and a score; a changed vote replaces that user's, another user's stands beside it; a vote that is not one is a 400"), async () => {
    const answer = await post({ question: QUESTION });
    const server = checkAnswerNamesItsSpan(checks(), answer);
    const spanId = server.spanContext().spanId;
    const answers: ChatAnswer[] = [];
    const votesSentAtAnswer: number[] = [];
    for (const each of VOTES) {
      answers.push(await vote({ spanId, ...each }));
      votesSentAtAnswer.push(phoenix.requests.flatMap((request) => (request.body as { data?: Array<{ name?: string }> }).data ?? []).filter((sent) => sent.name === FEEDBACK_ANNOTATION).length);
    }
    checkVotes(checks(), phoenix, server, answers, { votesSentAtAnswer });
    // And a vote that is not one is answered 400, naming what is wrong.
    const cases: Array<[unknown, RegExp]> = [
      ["not json", /JSON/],
      [{ spanId: "chat_turn", vote: "up", userId: "alice" }, /spanId/],
      [{ spanId: "0123456789abcdef", vote: "thumbs-up", userId: "alice" }, /vote/],
      [{ spanId: "0123456789abcdef", vote: "up" }, /userId/],
    ];
    for (const [body, problem] of cases) {
      const answer = await vote(body);
      const error = typeof answer.body === "object" ? answer.body.error : answer.body;
      checks().that(answer.status === 400 && problem.test(String(error)), {
        headline: "A vote that is not one should be answered 400, naming the problem.",
        expected: `HTTP 400, {"error": "..."} matching ${problem}`,
        got: `HTTP ${answer.status}: ${JSON.stringify(answer.body)} (sent ${JSON.stringify(body)})`,
        hint: 3,
      });
    }
  });

  it(titles.taught("feedback-and-evals", "the user never waits for the judges: the answer comes, and the SERVER span ends, while the judge model is still at work"), async () => {
    const held = await startHeldJudge(harness.offlineModel.baseUrl);
    try {
      const judged = await startServer({ judge: held.model });
      let serverOpenWhileJudging: boolean | undefined;
      held.onAsked = () => {
        serverOpenWhileJudging ??= harness.capture.unended().some((span) => span.kind === SpanKind.SERVER);
      };
      const { value, thrown } = await harness.run(async () => {
        try {
          return await postChat(judged.url, { question: QUESTION });
        } finally {
          held.release();
          await judged.judged();
        }
      });
      checkNotKeptWaiting(checks(), { answer: value, thrown, serverOpenWhileJudging, judgeAsked: held.asked > 0 });
    } finally {
      await held.close();
    }
  });

  it(titles.taught("feedback-and-evals", "a judge that fails is an ERROR EVALUATOR span, and the chat goes on"), async () => {
    const failing = new MockLanguageModelV3({
      doGenerate: async () => {
        throw new Error("The judge model is down.");
      },
    });
    const judged = await startServer({ judge: failing });
    // Nobody awaits the judging: a rejection out of it would end a real server.
    const { value: answer, unhandled } = await catchingUnhandled(() => post({ question: QUESTION }, {}, judged));
    const server = checkAnswerNamesItsSpan(checks(), answer);
    checkFailedEvaluator(checks(), server, "answers_the_question", unhandled);
    checkEvaluatorSpans(checks(), server, { question: QUESTION, reply: replyOf(answer) }, [GOOD[0]!]);
  });

  it(titles.taught("feedback-and-evals", "Phoenix unreachable: the vote is answered with one clear message, the verdicts' failure is told once, and the chat goes on"), async () => {
    const nowhere = await startServer({ phoenix: phoenixClient(await unreachableServerUrl()) });
    checkChatGoesOn(checks(), await troubleWith(nowhere), /not reachable/, "unreachable");
  });

  it(titles.taught("feedback-and-evals", "Phoenix refusing (401, it wants an API key): the vote is answered with one clear message, the verdicts' failure is told once, and the chat goes on"), async () => {
    const refusing = await startServer();
    phoenix.refuse(401);
    try {
      checkChatGoesOn(checks(), await troubleWith(refusing), /API key/, "refusing (HTTP 401)");
    } finally {
      phoenix.refuse(undefined);
    }
  });
});

// ─── What lesson 9 taught: the client and the server in one trace ─────────────────────────────

function expectAnswered(answer: ChatAnswer, why: string): string {
  const reply = replyOf(answer);
  checks().that(answer.status === 200 && reply.length > 0, {
    headline: `The server did not answer ${why}.`,
    expected: 'HTTP 200 with {"reply": "..."}',
    got: `HTTP ${answer.status}: ${JSON.stringify(answer.body)}`,
    hint: 1,
  });
  return reply;
}

describe(titles.stillTrue(), () => {
  it(titles.taught("http-boundary", "tracing.ts registers the W3C propagators: traceparent and baggage are written and read"), async () => {
    await checkPropagatorsRegistered(tracing, harness.lesson);
  });

  it(titles.taught("http-boundary", "client to server: one trace, the CLIENT span its root and the SERVER span its child, every span naming the session"), async () => {
    const { value: reply, thrown } = await harness.run(async () => {
      try {
        return await chatbot.askChatServer(server.url, SESSION_SENT, QUESTION);
      } finally {
        await server.judged();
      }
    });
    checks().that(typeof reply === "string" && reply.length > 0, { headline: "The client got no reply from the server.", expected: "a reply", got: String(thrown ?? reply), hint: 1 });
    const client = checkClientSpan(checks(), { url: `${server.url}${CHAT_ROUTE}`, question: QUESTION, sessionId: SESSION_SENT, reply, statusCode: 200 });
    const serverSpan = checkServerSpan(checks(), { port, statusCode: 200, parent: client.spanContext(), startup, question: QUESTION, reply });
    checkSessionFromBaggage(checks(), serverSpan, SESSION_SENT);
  });

  it(titles.taught("http-boundary", "a request without a valid traceparent starts a new trace, even on a server started inside a span; without baggage no span names a session"), async () => {
    const answer = await post({ question: QUESTION }, { traceparent: "not-a-traceparent" });
    const reply = expectAnswered(answer, "a request with a malformed traceparent");
    const serverSpan = checkServerSpan(checks(), { port, statusCode: 200, startup, question: QUESTION, reply });
    checkSessionFromBaggage(checks(), serverSpan, undefined);
  });

  it(titles.taught("http-boundary", "a caller's traceparent that says not sampled (-00) is followed: nothing is recorded, the judges' spans neither, and the question is still answered"), async () => {
    const answer = await post({ question: QUESTION }, { traceparent: traceparentOf(CALLER, false), baggage: `${SESSION_ID}=${SESSION_SENT}` });
    checkUnsampledFollowed(checks(), answer);
  });

  it(titles.taught("http-boundary", "an invalid body is answered 400 naming the problem, and the SERVER span records the 400 without calling it an error"), async () => {
    checkBadRequest(checks(), await post("this is not JSON"), /JSON/, port);
    checkBadRequest(checks(), await post({ text: QUESTION }), /question/, port);
  });

  it(titles.taught("http-boundary", "the client's call that fails is an ERROR CLIENT span: a question the server refuses (400), a server that cannot be reached"), async () => {
    const { thrown } = await harness.run(() => chatbot.askChatServer(server.url, SESSION_SENT, ""));
    checks().taughtIn("http-boundary").that(thrown instanceof Error && /question/.test(thrown.message), {
      headline: "The client should throw when the server refuses the question, and say why.",
      expected: "an Error whose message holds the server's reason (it names the question)",
      got: thrown === undefined ? "no error: the client returned" : String(thrown),
      hint: 4,
    });
    checkClientSpan(checks(), { url: `${server.url}${CHAT_ROUTE}`, question: "", sessionId: SESSION_SENT, statusCode: 400 });
    const nowhere = await unreachableServerUrl();
    const unreached = await harness.run(() => chatbot.askChatServer(nowhere, SESSION_SENT, QUESTION));
    checks().taughtIn("http-boundary").that(unreached.thrown !== undefined, { headline: "The client should throw when the server cannot be reached.", expected: "an error", got: "it returned", hint: 4 });
    checkClientSpan(checks(), { url: `${nowhere}${CHAT_ROUTE}`, question: QUESTION, sessionId: SESSION_SENT });
  });

  it(titles.taught("http-boundary", "a caller that hangs up mid-request: the SERVER span ends as an ERROR"), async () => {
    await harness.run(async () => {
      await hangUpMidRequest(server.url, () => harness.capture.unended().some((span) => span.kind === SpanKind.SERVER));
      await waitFor(() => harness.capture.unended().length === 0 && harness.capture.finished().some((span) => span.kind === SpanKind.SERVER));
    });
    checkServerFailure(checks(), port);
  });
});

// ─── What lessons 1 to 8 taught, on the chat turn this lesson's server runs ───────────────────

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
  tap: StreamTap;
}

async function converse(questions: string[], { stopAfterText = false } = {}): Promise<Outcome> {
  const model = await harness.connect();
  const tap = tapStreams(model);
  const conversation: Conversation = { sessionId: SESSION.sessionId, userId: SESSION.userId, metadata: { channel: "tests" }, tags: [...SESSION.tags], messages: [] };
  const stop = new AbortController();
  const options = { onText: () => (stopAfterText ? stop.abort() : undefined), signal: stop.signal };
  const { value, thrown } = await harness.run(() => chatbot.runConversation(tap.model, conversation, questions, options));
  const turns = questions.map((question, index) => ({ question, reply: value?.[index] ?? "(the conversation threw)" }));
  return { turns, thrown, model, tap };
}

function turnTraces(): SpanChecks[] {
  const chains = checks().all({ kind: OpenInferenceSpanKind.CHAIN });
  return [...new Set(chains.map((span) => span.spanContext().traceId))].map((traceId) => checks().inTrace(traceId));
}

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
    const outcome = await converse([QUESTION]);
    const [turn] = outcome.turns;
    checks().that(/Paris/.test(turn!.reply) && /Tokyo/.test(turn!.reply), { headline: "The happy path broke.", expected: "a reply about Paris and Tokyo", got: String(outcome.thrown ?? turn!.reply) });
    const { runs } = checkEarlierLessons(turnTraces()[0]!, turn!, outcome);
    checks().that(runs.length === 2, { headline: "The model's two tool calls should each have run.", expected: "2 TOOL spans", got: `${runs.length}` });
  });

  it(titles.taught("streaming", "the user stops the answer: the LLM span ends with what arrived, says so, and is no ERROR"), async () => {
    const outcome = await converse(["Hello!"], { stopAfterText: true });
    checkEarlierLessons(turnTraces()[0]!, outcome.turns[0]!, outcome);
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
