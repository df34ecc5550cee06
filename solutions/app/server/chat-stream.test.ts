// POST /api/chat/stream over a real connection, read with the client the page and the terminal
// use (chat-stream.ts). The streamed turn's spans are held to the lessons' checks, its LLM spans
// to lesson 8's against a tap of the chunks the chatbot really read (as lessons/08-streaming
// checks a learner's), as course-drift.test.ts holds the plain route.
import { request as httpRequest } from "node:http";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import { ATTR_ERROR_TYPE, ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE } from "@opentelemetry/semantic-conventions";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import { isStreamError } from "../../../shared/chatbot/model-errors.ts";
import type { SpanCapture } from "../../../shared/testing/capture-spans.ts";
import { SpanChecks } from "../../../shared/testing/span-checks.ts";
import { tapStreams, type StreamTap } from "../../../shared/testing/stream-tap.ts";
import { checkChainSpan } from "../../../shared/testing/taught/chain-span.ts";
import { checkFailedModelCall, checkFailuresRecorded } from "../../../shared/testing/taught/errors.ts";
import { checkLlmSpans } from "../../../shared/testing/taught/llm-spans.ts";
import { checkMessages } from "../../../shared/testing/taught/messages.ts";
import { checkToldProviderCutOff, FIRST_TOKEN_EVENT, STREAM_STOPPED_EVENT, streamedCalls } from "../../../shared/testing/taught/streaming.ts";
import { checkTools } from "../../../shared/testing/taught/tools.ts";
import type { ChatRequest, ChatResponse } from "../api.ts";
import { CHAT_STREAM_PATH, ChatStreamError, readChatStream, streamChat } from "../chat-stream.ts";
import { TurnCancelledError } from "./cancellation.ts";
import { installAppSpanCapture } from "./test-support/app-span-capture.ts";
import { closedPortUrl } from "./test-support/closed-port.ts";

// The capture first, then the app: the app's tracers bind to the provider registered when they are made.
const capture = installAppSpanCapture();
const { buildServer } = await import("./server.ts");
const { INTERNAL_ERROR_MESSAGE } = await import("./error-responses.ts");

const THE_APP = { number: Number.POSITIVE_INFINITY, slug: "app" };
const WEATHER_QUESTION = "What's the weather in Paris and in Tokyo?";
const KIND = SemanticConventions.OPENINFERENCE_SPAN_KIND;

/**
 * The model connection, held still on request: after hold(), the next stream stops after its
 * first piece of text until the turn's signal aborts (then it fails as fetch does: with the
 * abort's reason). So "the client leaves mid-answer" happens mid-answer on any machine, with no
 * timing. hold() resolves once the stream is held.
 */
function holdable(model: ModelConnection) {
  let holdNext: (() => void) | undefined;
  const connection: ModelConnection = {
    ...model,
    async *streamChatCompletion(request, options) {
      for await (const chunk of model.streamChatCompletion(request, options)) {
        yield chunk;
        if (holdNext && !isStreamError(chunk) && chunk.choices[0]?.delta.content) {
          holdNext();
          holdNext = undefined;
          const signal = options?.signal;
          if (!signal) throw new Error("The chatbot streamed without a signal: a turn could never be stopped.");
          if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve, { once: true }));
          throw signal.reason;
        }
      }
    },
  };
  return {
    connection,
    hold: () => new Promise<void>((resolve) => (holdNext = resolve)),
    release: () => void (holdNext = undefined),
  };
}

let model: ModelConnection;
let held: ReturnType<typeof holdable>;
let tap: StreamTap;
let app: FastifyInstance;
let appUrl: string;

function startApp(options: { stopping?: AbortSignal; maxConcurrentTurns?: number; model?: ModelConnection; log?: (message: string) => void } = {}): Promise<FastifyInstance> {
  return closedPortUrl().then((phoenixUrl) =>
    buildServer({
      config: { phoenixUrl, phoenixApiKey: undefined, projectName: "chat-stream-tests", modelTimeoutMs: 5000, maxConcurrentTurns: options.maxConcurrentTurns },
      model: options.model ?? tap.model,
      flushSpans: async () => {},
      stopping: options.stopping,
      log: options.log ?? (() => {}),
    }),
  );
}

/**
 * The model connection with a bug in the app's side of it: its stream throws a TypeError (what
 * reading a chunk that is not there throws) after `textPieces` pieces of text have been handed
 * over. Not a model failure: the app has no sentence for it.
 */
function withBug(textPieces: number): ModelConnection {
  return {
    ...model,
    async *streamChatCompletion(request, options) {
      let handedOver = 0;
      for await (const chunk of model.streamChatCompletion(request, options)) {
        if (handedOver === textPieces) throw new TypeError("Cannot read properties of undefined (reading '0')");
        yield chunk;
        if (!isStreamError(chunk) && chunk.choices[0]?.delta.content) handedOver++;
      }
    },
  };
}

beforeAll(async () => {
  model = await connectModel({ env: {} });
  held = holdable(model);
  tap = tapStreams(held.connection);
  app = await startApp();
  appUrl = await app.listen({ host: "127.0.0.1", port: 0 });
});
afterAll(async () => {
  await app.close();
  await model.close();
  await capture.uninstall();
});
beforeEach(() => {
  capture.reset();
  tap.reset();
  held.release();
});

function ask(question: string, extra: Partial<ChatRequest> = {}) {
  return { messages: [{ role: "user" as const, content: question }], ...extra };
}

/** Asks through the streamed route; resolves with the answer and each piece of text as it came. */
async function streamed(request: ChatRequest, headers?: Record<string, string>): Promise<{ answer: ChatResponse; pieces: string[] }> {
  const pieces: string[] = [];
  const answer = await streamChat(appUrl, request, { onText: (text) => pieces.push(text), headers });
  await serverSpanEnded(answer.traceId!);
  return { answer, pieces };
}

/** The SERVER span ends once the response is complete, which may be just after the client has read it. */
async function serverSpanEnded(traceId: string): Promise<ReadableSpan> {
  await expect.poll(() => serverSpanOf(traceId), { timeout: 10_000 }).toBeDefined();
  return serverSpanOf(traceId)!;
}

function serverSpanOf(traceId: string): ReadableSpan | undefined {
  return capture.finished().find((span) => span.kind === SpanKind.SERVER && span.spanContext().traceId === traceId);
}

function spansOf(traceId: string): ReadableSpan[] {
  return capture.finished().filter((span) => span.spanContext().traceId === traceId);
}

/** The trace below its SERVER span, for the lessons' checks of one chat turn. */
function belowServerSpan(traceId: string): { below: SpanChecks; server: ReadableSpan } {
  const server = serverSpanOf(traceId)!;
  const keep = (spans: ReadableSpan[]) => spans.filter((span) => span.spanContext().traceId === traceId && span !== server);
  const view: SpanCapture = { ...capture, finished: () => keep(capture.finished()), unended: () => keep(capture.unended()), openAtReturn: () => keep(capture.openAtReturn()) };
  return { below: new SpanChecks(view, THE_APP), server };
}

describe("POST /api/chat/stream", () => {
  it("streams a two-tool answer: the text pieces add up to the reply, and the done event carries the session and the ids", async () => {
    const { answer, pieces } = await streamed(ask(WEATHER_QUESTION, { sessionId: "stream-1" }));
    expect(answer.message).toEqual({ role: "assistant", content: "In Paris it is 18°C and sunny. In Tokyo it is 22°C and cloudy." });
    expect(pieces.length, "the answer came in pieces").toBeGreaterThan(1);
    expect(pieces.join("")).toBe(answer.message.content);
    expect(answer.sessionId).toBe("stream-1");
    const server = serverSpanOf(answer.traceId!)!;
    expect(server.name).toBe("POST /api/chat/stream");
    expect(answer.spanId, "feedback goes to the server span").toBe(server.spanContext().spanId);
  });

  it("sends text/event-stream: delta events, then one done event", async () => {
    const response = await fetch(`${appUrl}${CHAT_STREAM_PATH}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ask("Hello!")) });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-cache");
    const names: string[] = [];
    for await (const event of readChatStream(response.body!)) names.push(event.event);
    expect(names.at(-1)).toBe("done");
    expect(names.slice(0, -1).every((name) => name === "delta") && names.length > 2).toBe(true);
  });

  it("the streamed turn is traced as the lessons teach: SERVER over chat_turn, lesson 8's LLM spans against the chunks read, the TOOL spans", async () => {
    const { answer } = await streamed(ask(WEATHER_QUESTION, { sessionId: "stream-as-taught" }));
    const { below, server } = belowServerSpan(answer.traceId!);
    const chain = checkChainSpan(below, { question: WEATHER_QUESTION, reply: answer.message.content }, { under: server });
    const calls = checkLlmSpans(below, chain, model, { streamed: streamedCalls(below, tap) });
    checkMessages(below, calls);
    const runs = checkTools(below, chain, calls);
    checkFailuresRecorded(below);
    expect(calls).toHaveLength(2);
    expect(runs.map((run) => JSON.parse(run.call.function.arguments).city), "two tool calls, each its own").toEqual(["Paris", "Tokyo"]);
    for (const { span } of calls) expect(span.events.filter((event) => event.name === FIRST_TOKEN_EVENT), span.name).toHaveLength(1);
    // The root reads as the chat, as on /api/chat.
    expect(server.attributes).toMatchObject({
      [SemanticConventions.INPUT_VALUE]: WEATHER_QUESTION,
      [SemanticConventions.INPUT_MIME_TYPE]: "text/plain",
      [SemanticConventions.OUTPUT_VALUE]: answer.message.content,
      [SemanticConventions.OUTPUT_MIME_TYPE]: "text/plain",
      "http.response.status_code": 200,
    });
    expect(server.status.code).toBe(SpanStatusCode.OK);
    for (const span of spansOf(answer.traceId!)) expect(span.attributes[SemanticConventions.SESSION_ID], span.name).toBe("stream-as-taught");
  });

  describe("an invalid request gets the 4xx JSON of /api/chat, before any stream", () => {
    const cases: Array<{ what: string; body: string; status: number; error: RegExp }> = [
      { what: "an unknown role", body: '{"messages":[{"role":"robot","content":"hi"}]}', status: 400, error: /messages\[0\]\.role must be one of/ },
      { what: "an answer as the last message", body: '{"messages":[{"role":"assistant","content":"hi"}]}', status: 400, error: /last message must be the user's/ },
      { what: "a blank question", body: '{"messages":[{"role":"user","content":"  "}]}', status: 400, error: /empty or only whitespace/ },
      { what: "invalid JSON", body: "{bad", status: 400, error: /not valid JSON/ },
      { what: "a conversation over the size limit", body: JSON.stringify({ messages: Array.from({ length: 15 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: "x".repeat(19_000) })) }), status: 413, error: /conversation is too long/ },
    ];
    for (const { what, body, status, error } of cases) {
      it(`${what}: ${status}`, async () => {
        const response = await fetch(`${appUrl}${CHAT_STREAM_PATH}`, { method: "POST", headers: { "content-type": "application/json" }, body });
        expect(response.status).toBe(status);
        expect(response.headers.get("content-type")).toMatch(/^application\/json/);
        expect(((await response.json()) as { error: string }).error).toMatch(error);
      });
    }
  });

  it("a model that fails before the first piece of text: the same 502 JSON as /api/chat, with the trace id", async () => {
    const failed = streamChat(appUrl, ask("Hello [[fault:http-500]]"), { onText: () => {} });
    const error = await failed.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChatStreamError);
    expect((error as ChatStreamError).status).toBe(502);
    expect((error as ChatStreamError).message).toMatch(/model service had an error \(HTTP 500\)/);
    const server = await serverSpanEnded((error as ChatStreamError).traceId!);
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
    expect(server.attributes["http.response.status_code"]).toBe(502);
  });

  it("a stream cut off mid-answer: an error event with the reason and the trace id; the LLM span ERROR with what arrived kept, and so are chat_turn and the server span", async () => {
    const question = "Hello! [[fault:stream-abort]]";
    const pieces: string[] = [];
    const error = await streamChat(appUrl, ask(question), { onText: (text) => pieces.push(text) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChatStreamError);
    const { status, message, traceId } = error as ChatStreamError;
    expect(status, "the 200 had gone out with the first piece").toBe(200);
    expect(pieces.length).toBeGreaterThan(0);
    expect(message).toBe("The connection to the model was cut off before its answer was complete. Please try again.");
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const server = await serverSpanEnded(traceId!);
    const { below } = belowServerSpan(traceId!);
    const chain = checkChainSpan(below, { question, reply: message, status: "ERROR" }, { under: server });
    const calls = checkLlmSpans(below, chain, model, { streamed: streamedCalls(below, tap) });
    checkFailedModelCall(below, calls, /ModelConnectionCutError/);
    expect(calls[0]!.span.attributes[SemanticConventions.OUTPUT_VALUE], "the part that arrived").toBe(pieces.join(""));
    expect(server.status).toEqual({ code: SpanStatusCode.ERROR, message });
    expect(server.attributes).toMatchObject({ [SemanticConventions.OUTPUT_VALUE]: message, "error.type": "ModelConnectionCutError", "http.response.status_code": 200 });
  });

  it("a provider's error event mid-answer (a gateway whose upstream failed): the error event says the provider cut the answer off, in its words, with the trace id; the LLM span is ERROR in those words with what arrived kept, and chat_turn's output is what the user was told", async () => {
    const question = "Hello! [[fault:stream-error]]";
    const pieces: string[] = [];
    const error = await streamChat(appUrl, ask(question), { onText: (text) => pieces.push(text) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChatStreamError);
    const { status, message, traceId } = error as ChatStreamError;
    expect(status, "the 200 had gone out with the first piece").toBe(200);
    expect(pieces.length).toBeGreaterThan(0);
    const providerWords = tap.streams[0]!.errorEvent!.error.message;
    expect(message).toBe(`The model's provider cut the answer off; please try again. It said: ${providerWords}`);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const server = await serverSpanEnded(traceId!);
    const { below } = belowServerSpan(traceId!);
    const chain = checkChainSpan(below, { question, reply: message, status: "ERROR" }, { under: server });
    // lesson 8's checks of a stream that ended with the provider's error event, against the chunks read
    const calls = checkLlmSpans(below, chain, model, { streamed: streamedCalls(below, tap) });
    checkFailedModelCall(below, calls, /ModelStreamError/);
    checkToldProviderCutOff(below, message, tap);
    const llm = calls[0]!.span;
    const exception = llm.events.find((event) => event.name === "exception")!;
    expect(exception.attributes?.[ATTR_EXCEPTION_TYPE]).toBe("ModelStreamError");
    expect(String(exception.attributes?.[ATTR_EXCEPTION_MESSAGE]), "the provider's own words").toContain(providerWords);
    expect(llm.attributes[SemanticConventions.OUTPUT_VALUE], "the part that arrived").toBe(pieces.join(""));
    expect(server.status).toEqual({ code: SpanStatusCode.ERROR, message });
    expect(server.attributes).toMatchObject({ [SemanticConventions.OUTPUT_VALUE]: message, [ATTR_ERROR_TYPE]: "ModelStreamError", [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200 });
  });

  it("a provider's error event before any text (the model was calling tools): the same 502 JSON as /api/chat, with the provider's words and the trace id; the half-made tool call is kept on the LLM span and not run", async () => {
    const question = `${WEATHER_QUESTION} [[fault:stream-error]]`;
    const pieces: string[] = [];
    const error = await streamChat(appUrl, ask(question), { onText: (text) => pieces.push(text) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChatStreamError);
    const { status, message, traceId } = error as ChatStreamError;
    expect(pieces, "no text came before the error").toEqual([]);
    expect(status).toBe(502);
    expect(message).toBe(`The model's provider cut the answer off; please try again. It said: ${tap.streams[0]!.errorEvent!.error.message}`);
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);

    const server = await serverSpanEnded(traceId!);
    const { below } = belowServerSpan(traceId!);
    const chain = checkChainSpan(below, { question, reply: message, status: "ERROR" }, { under: server });
    const calls = checkLlmSpans(below, chain, model, { streamed: streamedCalls(below, tap) });
    checkFailedModelCall(below, calls, /ModelStreamError/);
    expect(calls).toHaveLength(1);
    const firstToolCall = `${SemanticConventions.LLM_OUTPUT_MESSAGES}.0.${SemanticConventions.MESSAGE_TOOL_CALLS}.0`;
    expect(calls[0]!.span.attributes[`${firstToolCall}.${SemanticConventions.TOOL_CALL_FUNCTION_NAME}`], "what arrived: the tool call, half made").toBe("get_weather");
    expect(below.spans.filter((span) => span.attributes[KIND] === "TOOL"), "a cut answer's tools are not run").toEqual([]);
    expect(server.attributes).toMatchObject({ [SemanticConventions.OUTPUT_VALUE]: message, [ATTR_HTTP_RESPONSE_STATUS_CODE]: 502 });
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
  });

  describe("a bug in the turn (no model failure the app has a sentence for): the answer still names the trace", () => {
    const logged: string[] = [];
    afterAll(() => void (logged.length = 0));

    async function askBuggyApp(textPieces: number): Promise<ChatStreamError> {
      const buggy = await startApp({ model: withBug(textPieces), log: (line) => logged.push(line) });
      try {
        const url = await buggy.listen({ host: "127.0.0.1", port: 0 });
        const error = await streamChat(url, ask("Hello!"), { onText: () => {} }).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ChatStreamError);
        await serverSpanEnded((error as ChatStreamError).traceId!);
        return error as ChatStreamError;
      } finally {
        await buggy.close();
      }
    }

    it("before any text: a 500 with the app's sentence and the trace id, whose spans hold the exception", async () => {
      const { status, message, traceId } = await askBuggyApp(0);
      expect(status).toBe(500);
      expect(message).toBe(INTERNAL_ERROR_MESSAGE);
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      const server = serverSpanOf(traceId!)!;
      expect(server.status.code).toBe(SpanStatusCode.ERROR);
      expect(server.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(500);
      const turn = spansOf(traceId!).find((span) => span.name === "chat_turn")!;
      expect(turn.events.find((event) => event.name === "exception")?.attributes?.[ATTR_EXCEPTION_TYPE], "the trace says what failed").toBe("TypeError");
      expect(logged.some((line) => line.includes("TypeError: Cannot read properties of undefined")), "and so does the log").toBe(true);
    });

    it("mid-answer: the error event with the app's sentence and the trace id", async () => {
      const { status, message, traceId } = await askBuggyApp(1);
      expect(status).toBe(200);
      expect(message).toBe(INTERNAL_ERROR_MESSAGE);
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(serverSpanOf(traceId!)!.attributes[ATTR_ERROR_TYPE]).toBe("TypeError");
    });
  });

  it("a client that leaves mid-answer stops the turn: every span ends; the LLM span keeps what arrived and says the stream stopped, with no ERROR (lesson 8)", async () => {
    held.hold();
    // node:http rather than fetch: after an abort, Node 20's fetch opens a spare connection that
    // sends nothing and would hold app.close() in afterAll.
    const received = await new Promise<string>((resolve, reject) => {
      const request = httpRequest(new URL(CHAT_STREAM_PATH, appUrl), { method: "POST", headers: { "content-type": "application/json" } }, (response) => {
        let text = "";
        response.on("data", (chunk: Buffer) => {
          text += chunk.toString();
          // The first piece of the answer has come: leave.
          if (text.includes("event: delta")) {
            request.destroy();
            resolve(text);
          }
        });
      });
      request.on("error", (error) => (error.message === "socket hang up" ? undefined : reject(error)));
      request.end(JSON.stringify(ask("Hello!")));
    });
    expect(received).toMatch(/^event: delta\ndata: \{"text":/m);

    await expect.poll(() => capture.finished().map((span) => span.name).sort(), { timeout: 10_000 }).toEqual(["ChatCompletion", "CreateEmbeddings", "POST /api/chat/stream", "chat_turn", "retrieve"]);
    expect(capture.unended()).toEqual([]);
    const traceId = capture.finished()[0]!.spanContext().traceId;
    const { below } = belowServerSpan(traceId);
    const chain = below.one({ kind: "CHAIN" }, "the chat_turn span", { hint: 1 });
    const [call] = checkLlmSpans(below, chain, model, { streamed: streamedCalls(below, tap) });
    expect(tap.streams.map((stream) => stream.ending)).toEqual(["stopped"]);
    expect(call!.span.events.map((event) => event.name)).toContain(STREAM_STOPPED_EVENT);
    expect(call!.span.status.code).not.toBe(SpanStatusCode.ERROR);
    expect(chain.status.code, "a stop is not a failure of the turn").toBe(SpanStatusCode.OK);
    expect(chain.attributes[SemanticConventions.OUTPUT_VALUE], "the turn's reply is what had arrived").toBe(call!.span.attributes[SemanticConventions.OUTPUT_VALUE]);
    expect(serverSpanOf(traceId)!.status).toEqual({ code: SpanStatusCode.ERROR, message: "The client closed the connection before the answer was sent." });
  });

  it("takes the session id from W3C baggage when the body has none (what npm run chat sends)", async () => {
    const { answer } = await streamed(ask("Hello!"), { baggage: "session.id=terminal-session-7" });
    expect(answer.sessionId).toBe("terminal-session-7");
    for (const span of spansOf(answer.traceId!)) expect(span.attributes[SemanticConventions.SESSION_ID], span.name).toBe("terminal-session-7");
  });

  it("the body's sessionId wins over baggage, and a baggage session id the body's rules refuse is ignored", async () => {
    const both = await streamed(ask("Hello!", { sessionId: "from-the-body" }), { baggage: "session.id=from-baggage" });
    expect(both.answer.sessionId).toBe("from-the-body");
    const refused = await streamed(ask("Hello!"), { baggage: "session.id=has%20a%20space" });
    expect(refused.answer.sessionId, "a new session id instead").toMatch(/^[0-9a-f-]{36}$/);
  });

  it("counts toward APP_MAX_CONCURRENT_TURNS with /api/chat: one more turn on either route gets the 503", async () => {
    const stopping = new AbortController();
    const oneAtATime = await startApp({ maxConcurrentTurns: 1, stopping: stopping.signal });
    const url = await oneAtATime.listen({ host: "127.0.0.1", port: 0 });
    const reached = held.hold();
    const first = streamChat(url, ask("Hello!"), { onText: () => {} }).catch((error: unknown) => error);
    await reached;
    for (const path of ["/api/chat", CHAT_STREAM_PATH]) {
      const response = await fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(ask("Hi")) });
      expect(response.status, path).toBe(503);
      expect(response.headers.get("retry-after"), path).toBe("1");
      expect(((await response.json()) as { error: string }).error, path).toMatch(/APP_MAX_CONCURRENT_TURNS/);
    }
    stopping.abort(new TurnCancelledError("The app is stopping."));
    expect(await first).toBeInstanceOf(ChatStreamError);
    await oneAtATime.close();
  });

  it("the app stopping mid-answer: the client is told why in an error event, and every span ends", async () => {
    const stopping = new AbortController();
    const stoppingApp = await startApp({ stopping: stopping.signal });
    const reached = held.hold();
    const asked = streamChat(await stoppingApp.listen({ host: "127.0.0.1", port: 0 }), ask("Hello!"), { onText: () => {} }).catch((error: unknown) => error);
    await reached;
    stopping.abort(new TurnCancelledError("The app is stopping: this answer was cancelled. Ask again once it has restarted."));
    const error = (await asked) as ChatStreamError;
    await stoppingApp.close();
    expect(error).toBeInstanceOf(ChatStreamError);
    expect(error.message).toBe("The app is stopping: this answer was cancelled. Ask again once it has restarted.");
    const server = await serverSpanEnded(error.traceId!);
    expect(server.status).toEqual({ code: SpanStatusCode.ERROR, message: error.message });
    expect(server.attributes["error.type"]).toBe("TurnCancelledError");
    expect(capture.unended()).toEqual([]);
    const llm = spansOf(error.traceId!).find((span) => span.attributes[KIND] === "LLM")!;
    expect(llm.events.map((event) => event.name)).toContain(STREAM_STOPPED_EVENT);
  });
});
