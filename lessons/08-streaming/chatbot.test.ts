import { OpenInferenceSpanKind } from "@arizeai/openinference-semantic-conventions";
import { describe, it } from "vitest";
import { lessonGroupTitles } from "../../shared/lessons/check-contract.ts";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import { useLessonHarness } from "../../shared/testing/lesson-harness.ts";
import { loadLesson } from "../../shared/testing/lesson-module.ts";
import type { SpanChecks } from "../../shared/testing/span-checks.ts";
import { assembleStream, tapStreams, type StreamTap } from "../../shared/testing/stream-tap.ts";
import { checkChainSpan } from "../../shared/testing/taught/chain-span.ts";
import { checkFailedModelCall, checkFailedTool, checkFailuresRecorded } from "../../shared/testing/taught/errors.ts";
import { checkLlmSpans } from "../../shared/testing/taught/llm-spans.ts";
import { checkMessages } from "../../shared/testing/taught/messages.ts";
import { checkHistorySent, checkMetadataAndTags, checkSessionOnEverySpan, checkSessionOnRoots, checkTurnTraces, type SessionExpectation, type SessionTurn } from "../../shared/testing/taught/sessions.ts";
import { checkToldProviderCutOff, streamedCalls, thrownStreamMistake } from "../../shared/testing/taught/streaming.ts";
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

const SESSION: SessionExpectation = {
  sessionId: "workbook-session-8",
  userId: "learner-8",
  metadata: (turnIndex) => ({ channel: "tests", turn: turnIndex + 1 }),
  tags: ["workbook", "tests"],
};

interface Outcome {
  turns: SessionTurn[];
  thrown?: unknown;
  model: ModelConnection;
  /** what the chatbot received from each streamed call */
  tap: StreamTap;
  /** each piece of text the chatbot handed on (printed) as it arrived, with how many chunks had arrived by then */
  printed: Array<{ text: string; chunksRead: number }>;
}

interface ConverseOptions {
  /** stop the answer (abort the turn's signal) once some text has been printed */
  stopAfterText?: boolean;
  /** stop the answer once the chatbot has read this many chunks of its first stream (a tool-call answer prints no text) */
  stopAfterChunks?: number;
  /** an offline model that leaves this long between chunks (to time the first token) */
  streamChunkDelayMs?: number;
}

/** Runs the questions as one conversation through a tapped model connection, on a clean slate of spans. */
async function converse(questions: string[], options: ConverseOptions = {}): Promise<Outcome> {
  const connection = await harness.connect(options.streamChunkDelayMs === undefined ? {} : { streamChunkDelayMs: options.streamChunkDelayMs });
  const stop = new AbortController();
  const tap = tapStreams(connection, { afterChunk: (stream) => stream.chunks.length === options.stopAfterChunks && stop.abort() });
  const printed: Outcome["printed"] = [];
  const conversation: Conversation = { sessionId: SESSION.sessionId, userId: SESSION.userId, metadata: { channel: "tests" }, tags: [...SESSION.tags], messages: [] };
  const onText = (text: string) => {
    printed.push({ text, chunksRead: tap.streams.reduce((sum, stream) => sum + stream.chunks.length, 0) });
    if (options.stopAfterText) stop.abort();
  };
  const { value, thrown } = await harness.run(() => runConversation(tap.model, conversation, questions, { onText, signal: stop.signal }));
  const turns = questions.map((question, index) => ({ question, reply: value?.[index] ?? "(the conversation threw)" }));
  return { turns, thrown, model: connection, tap, printed };
}

/** Each turn's trace, in order. */
function turnTraces(): SpanChecks[] {
  const chains = checks().all({ kind: OpenInferenceSpanKind.CHAIN });
  return [...new Set(chains.map((span) => span.spanContext().traceId))].map((traceId) => checks().inTrace(traceId));
}

/** Everything lessons 2 to 8 check on one turn's trace, the LLM spans against the streams the chatbot read. */
function checkTurn(trace: SpanChecks, turn: SessionTurn, outcome: Outcome, status: "OK" | "ERROR" = "OK") {
  const chain = checkChainSpan(trace, { question: turn.question, reply: turn.reply, status });
  const calls = checkLlmSpans(trace, chain, outcome.model, { streamed: streamedCalls(trace, outcome.tap) });
  checkMessages(trace, calls);
  const runs = checkTools(trace, chain, calls);
  checkFailuresRecorded(trace);
  return { chain, calls, runs };
}

function threw(outcome: Outcome): void {
  checks().that(outcome.thrown === undefined, {
    headline: "The conversation threw instead of answering.",
    expected: "a reply for every turn",
    got: outcome.thrown instanceof Error ? `${outcome.thrown.name}: ${outcome.thrown.message}` : String(outcome.thrown),
    hint: 1,
    mistake: thrownStreamMistake(outcome.thrown, outcome.tap),
  });
}

/** The chatbot streamed (it read model.streamChatCompletion) and handed the text on as it arrived. */
function checkPrintedAsItArrived(outcome: Outcome, reply: string): void {
  threw(outcome);
  checks().that(outcome.tap.streams.length > 0, {
    headline: "The chatbot did not stream the answer.",
    expected: "callModel reads model.streamChatCompletion(request) with for await",
    got: `${outcome.tap.plainCalls} call(s) of model.createChatCompletion, no stream`,
    hint: 1,
  });
  // What the model really streamed for the reply: the text of the turn's last stream.
  const last = outcome.tap.streams.at(-1);
  const streamed = last ? assembleStream(last.chunks).text : "";
  checks().that(reply === streamed, {
    headline: "The reply is not the text the model streamed.",
    expected: JSON.stringify(streamed),
    got: JSON.stringify(reply),
    hint: 1,
    mistake:
      /Cannot read properties of undefined \(reading '(delta|finish_reason|0)'\)/.test(reply)
        ? "a chunk without a choice was read as if it had one: the usage chunk comes with choices: [] (or none at all), so chunk.choices[0] is undefined there. Read chunk.usage first, then skip a chunk whose choices[0] is missing."
        : streamed.endsWith(reply) && reply !== ""
          ? "only the last piece of text is recorded in the answer: add each delta.content to the text so far (answer.text += content)."
          : undefined,
  });
  const pieces = outcome.printed.map((piece) => piece.text);
  const printed = pieces.join("");
  const runningTotals = pieces.length > 1 && pieces.every((piece, index) => index === 0 || piece.startsWith(pieces[index - 1]!));
  checks().that(printed === reply, {
    headline: "The text handed to onText, piece by piece, does not add up to the reply.",
    expected: `onText called with each delta.content as it arrives, adding up to ${JSON.stringify(reply)}`,
    got: outcome.printed.length === 0 ? "onText was never called" : JSON.stringify(printed.length > 200 ? `${printed.slice(0, 200)}...` : printed),
    hint: 1,
    mistake: runningTotals ? "onText is given the text so far each time, so the terminal prints it again and again: pass it the new piece only (onText?.(content))." : undefined,
  });
  const chunks = outcome.tap.streams.reduce((sum, stream) => sum + stream.chunks.length, 0);
  checks().that(outcome.printed.length > 1 && outcome.printed[0]!.chunksRead < chunks, {
    headline: "The answer was printed only after the whole stream had been read.",
    expected: "onText(content) inside the for await loop, for each piece",
    got: `${outcome.printed.length} call(s) of onText, the first after ${outcome.printed[0]?.chunksRead ?? 0} of ${chunks} chunks`,
    hint: 1,
  });
}

describe(titles.own("the answer streams, and the LLM span stays right"), () => {
  it("a plain answer streams: printed as it arrives; the span holds the assembled text, finish reason, token counts and the first token", async () => {
    // Chunks 20 ms apart, so the first token's time can be told from the first chunk's.
    const outcome = await converse(["Hello!"], { streamChunkDelayMs: 20 });
    checkPrintedAsItArrived(outcome, outcome.turns[0]!.reply);
    checkTurn(turnTraces()[0]!, outcome.turns[0]!, outcome);
  });

  it("a streamed two-tool turn (Paris and Tokyo): the two calls stay two, each with its own id and arguments", async () => {
    const outcome = await converse(["What's the weather in Paris and in Tokyo?"]);
    threw(outcome);
    const [turn] = outcome.turns;
    const { runs, calls } = checkTurn(turnTraces()[0]!, turn!, outcome);
    checks().that(/Paris/.test(turn!.reply) && /Tokyo/.test(turn!.reply), {
      headline: "The two tool calls did not both reach the tools.",
      expected: "a reply about Paris and Tokyo",
      got: turn!.reply,
      hint: 4,
      mistake: "the pieces of both calls went into one call: assemble each at its delta.index.",
    });
    checks().that(runs.length === 2 && calls.length === 2, { headline: "A two-tool turn should be LLM, TOOL, TOOL, LLM.", expected: "2 LLM spans and 2 TOOL spans", got: `${calls.length} LLM, ${runs.length} TOOL`, hint: 4 });
  });

  // What real providers and proxies send differs from OpenAI in small ways (shared/model/stream-style.ts).
  for (const style of ["omit-finish-reason", "usage-choice", "text-first", "usage-extras", "litellm"]) {
    it(`holds on a stream shaped like other providers': ${style}`, async () => {
      const questions = [`What's the weather in Paris and in Tokyo? [[stream:${style}]]`, `Hello! [[stream:${style}]]`];
      const outcome = await converse(questions);
      threw(outcome);
      turnTraces().forEach((trace, index) => checkTurn(trace, outcome.turns[index]!, outcome));
    });
  }

  it("a stream cut off mid-answer: ERROR with the exception, the part that arrived kept, and the user told it was cut off", async () => {
    const outcome = await converse(["Hello! [[fault:stream-abort]]"]);
    threw(outcome);
    const [turn] = outcome.turns;
    const { calls } = checkTurn(turnTraces()[0]!, turn!, outcome, "ERROR");
    checkFailedModelCall(turnTraces()[0]!, calls, /ModelConnectionCutError/);
    checks().that(/cut off/i.test(turn!.reply) && !/could not reach/i.test(turn!.reply), {
      headline: "The user is not told that the answer was cut off.",
      expected: "a reply saying the answer was cut off (the model was reached, then the stream ended early)",
      got: turn!.reply,
      hint: 4,
    });
  });

  it("a stream the provider ends with an error event (no choices, no [DONE]): ERROR in the provider's words, what arrived kept, the user told", async () => {
    const outcome = await converse(["Hello! [[fault:stream-error]]"]);
    threw(outcome);
    const [turn] = outcome.turns;
    checkTurn(turnTraces()[0]!, turn!, outcome, "ERROR");
    checkToldProviderCutOff(checks(), turn!.reply, outcome.tap);
  });

  it("an error before the first chunk (HTTP 500): ERROR with the exception, the span ended, a useful reply", async () => {
    const outcome = await converse(["Hello! [[fault:http-500]]"]);
    threw(outcome);
    const { calls } = checkTurn(turnTraces()[0]!, outcome.turns[0]!, outcome, "ERROR");
    checkFailedModelCall(turnTraces()[0]!, calls, /ModelApiError.*500/);
  });

  it("the user stops the answer: the span ends with what arrived, says so, and is no ERROR", async () => {
    const outcome = await converse(["Hello!"], { stopAfterText: true });
    threw(outcome);
    const [turn] = outcome.turns;
    checks().that(outcome.tap.streams.some((stream) => stream.ending === "stopped"), {
      headline: "The stream was read to its end though the turn's signal was aborted.",
      expected: "model.streamChatCompletion(request, { signal }) (or a check of signal.aborted in the loop) so that a stop ends the stream",
      got: `streams: ${outcome.tap.streams.map((stream) => stream.ending).join(", ")}`,
      hint: 1,
    });
    // The LLM span first: a stop recorded as a failure is the mistake to name, not the reply it causes.
    const trace = turnTraces()[0]!;
    checkLlmSpans(trace, trace.one({ kind: OpenInferenceSpanKind.CHAIN }, "CHAIN span for the chat turn", { hint: 4 }), outcome.model, { streamed: streamedCalls(trace, outcome.tap) });
    const printed = outcome.printed.map((piece) => piece.text).join("");
    checks().that(turn!.reply === printed, {
      headline: "A stopped turn's reply should be what had arrived when it was stopped.",
      expected: JSON.stringify(printed),
      got: JSON.stringify(turn!.reply),
      hint: 4,
    });
    checkTurn(turnTraces()[0]!, turn!, outcome);
  });

  it("the user stops an answer while it calls tools: the half-made calls are not run, the turn ends with what arrived", async () => {
    // Two chunks of the first answer: the role, and the start of the first tool call.
    const outcome = await converse(["What's the weather in Paris and in Tokyo?"], { stopAfterChunks: 2 });
    threw(outcome);
    const trace = turnTraces()[0]!;
    const tools = trace.all({ kind: OpenInferenceSpanKind.TOOL });
    checks().that(tools.length === 0 && outcome.tap.streams.length === 1, {
      headline: "The tools of a stopped answer were run.",
      expected: "no TOOL span and no second model call: a stopped answer is over, its half-made tool calls are not run",
      got: `${tools.length} TOOL span(s), ${outcome.tap.streams.length} model call(s)`,
      hint: 4,
      mistake: "the agent loop goes on after a stop: when streamed.stopped, return what arrived (TODO 6 in chatbot.ts).",
    });
    checkTurn(trace, outcome.turns[0]!, outcome);
  });
});

describe(titles.stillTrue(), () => {
  const QUESTIONS = ["What's the weather in Paris?", "And in London?", "What did I ask first?"];

  it(titles.taught("sessions", "a conversation of three streamed turns is one session, each turn its own trace, with the history sent"), async () => {
    const outcome = await converse(QUESTIONS);
    threw(outcome);
    const roots = checkTurnTraces(checks(), outcome.turns);
    checkSessionOnRoots(checks(), roots, SESSION);
    checkSessionOnEverySpan(checks(), roots, SESSION);
    checkMetadataAndTags(checks(), roots, SESSION);
    checkHistorySent(checks(), roots, outcome.turns);
  });

  it(titles.taught(["first-span", "errors"], "every streamed turn is traced as taught (CHAIN root, LLM and TOOL spans, messages)"), async () => {
    const outcome = await converse(QUESTIONS);
    const traces = turnTraces();
    checks().that(traces.length === QUESTIONS.length, { headline: "Each turn should have its own CHAIN span, in its own trace.", expected: `${QUESTIONS.length} traces with a CHAIN span`, got: `${traces.length}` });
    traces.forEach((trace, index) => checkTurn(trace, outcome.turns[index]!, outcome));
  });

  it(titles.taught("errors", "a failing tool is recorded, and the chatbot still answers"), async () => {
    const outcome = await converse(["What's the weather in Atlantis?"]);
    const { runs } = checkTurn(turnTraces()[0]!, outcome.turns[0]!, outcome);
    checkFailedTool(turnTraces()[0]!, runs, /Unknown city/);
  });

  // Last in the file: these checks replace the global tracer provider with the learner's own.
  it(titles.taught("tracer-setup", "tracing.ts sets up the provider, resource, exporters, context manager and Phoenix exporter"), async () => {
    for (const check of Object.values(tracerSetupChecks(tracing, harness.lesson))) await check();
  });
});
