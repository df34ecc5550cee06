// The backend without Phoenix and without a browser: Fastify's inject() against the offline
// model, spans captured in memory.
import { createServer, request as httpRequest, type Server } from "node:http";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { OpenInferenceSpanKind, SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import { ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_TYPE, ATTR_HTTP_RESPONSE_STATUS_CODE } from "@opentelemetry/semantic-conventions";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import { upstreamStreamError } from "../../../shared/model/faults.ts";
import type { ChatResponse, ErrorResponse } from "../api.ts";
import { INTERNAL_ERROR_MESSAGE } from "./error-responses.ts";
import { buildServer } from "./server.ts";
import { setupTracing } from "./tracing.ts";
import { closedPortUrl } from "./test-support/closed-port.ts";

const KIND = SemanticConventions.OPENINFERENCE_SPAN_KIND;
const WEATHER_QUESTION = "What's the weather in Paris and in Tokyo?";

const spans = new InMemorySpanExporter();
setupTracing({ projectName: "app-tests", exporter: spans, processor: "simple" });

let model: ModelConnection;
let app: FastifyInstance;

beforeAll(async () => {
  model = await connectModel({ env: {} });
  app = await buildServer({
    config: { phoenixUrl: await closedPortUrl(), phoenixApiKey: undefined, projectName: "app-tests", modelTimeoutMs: 1000 },
    model,
    flushSpans: async () => {},
    log: () => {},
  });
});
afterAll(async () => {
  await app.close();
  await model.close();
});
beforeEach(() => {
  spans.reset();
  model.offlineModel?.injectFaults();
});

function ask(body: unknown, headers: Record<string, string> = {}) {
  return app.inject({ method: "POST", url: "/api/chat", payload: body as object, headers });
}

function spansOfTrace(traceId: string): ReadableSpan[] {
  return spans.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
}

describe("POST /api/chat", () => {
  it("answers a question that needs two tools, running the tool loop on the server", async () => {
    const response = await ask({ messages: [{ role: "user", content: WEATHER_QUESTION }], sessionId: "session-1" });
    expect(response.statusCode).toBe(200);
    const body = response.json<ChatResponse>();
    expect(body.message).toEqual({ role: "assistant", content: "In Paris it is 18°C and sunny. In Tokyo it is 22°C and cloudy." });
    expect(body.sessionId).toBe("session-1");
    expect(body.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(body.spanId).toMatch(/^[0-9a-f]{16}$/);
  });

  it("traces the turn as a SERVER span over chat_turn, with RETRIEVER (EMBEDDING), LLM, TOOL, TOOL, LLM below it", async () => {
    const body = (await ask({ messages: [{ role: "user", content: WEATHER_QUESTION }] })).json<ChatResponse>();
    const trace = spansOfTrace(body.traceId!);
    const server = trace.find((span) => span.name === "POST /api/chat");
    expect(server, "a span named POST /api/chat").toBeDefined();
    expect(server!.kind).toBe(SpanKind.SERVER);
    expect(server!.attributes[KIND], "the server span has an OpenInference kind, so Phoenix never shows UNKNOWN").toBe(OpenInferenceSpanKind.CHAIN);
    expect(server!.attributes["http.response.status_code"]).toBe(200);
    expect(server!.spanContext().spanId, "feedback goes to the server span").toBe(body.spanId);

    const turn = trace.find((span) => span.name === "chat_turn")!;
    expect(turn.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
    const below = trace.filter((span) => span.parentSpanContext?.spanId === turn.spanContext().spanId);
    // The search first (lesson 12; the app retrieves by default): RETRIEVER, its EMBEDDING below it.
    expect(below.map((span) => span.attributes[KIND]).sort()).toEqual(["LLM", "LLM", "RETRIEVER", "TOOL", "TOOL"]);
    const retriever = below.find((span) => span.attributes[KIND] === "RETRIEVER")!;
    expect(trace.filter((span) => span.parentSpanContext?.spanId === retriever.spanContext().spanId).map((span) => span.attributes[KIND])).toEqual(["EMBEDDING"]);
    // Start times are stamped to the millisecond, so the order shows in the links instead:
    // the LLM call that asks for the tools, a TOOL span per call, the LLM call with their results.
    const askingLlm = below.find((span) => span.attributes[SemanticConventions.LLM_FINISH_REASON] === "tool_calls")!;
    const answeringLlm = below.find((span) => span.attributes[SemanticConventions.LLM_FINISH_REASON] === "stop")!;
    const callIds = [0, 1].map((j) => askingLlm.attributes[`llm.output_messages.0.message.tool_calls.${j}.tool_call.id`]);
    const toolIds = below.filter((span) => span.attributes[KIND] === "TOOL").map((span) => span.attributes[SemanticConventions.TOOL_ID]);
    expect(toolIds.sort()).toEqual([...callIds].sort());
    expect([3, 4].map((i) => answeringLlm.attributes[`llm.input_messages.${i}.message.tool_call_id`])).toEqual(callIds);
    for (const span of trace) expect(span.attributes[KIND], `${span.name} has a span kind`).toBeDefined();
    const llm = trace.find((span) => span.attributes[KIND] === "LLM")!;
    expect(llm.attributes[SemanticConventions.LLM_TOKEN_COUNT_TOTAL]).toBeGreaterThan(0);
  });

  it("the server span, the trace's root, reads as the chat in Phoenix: the question in, the reply out, as text", async () => {
    const request = {
      messages: [
        { role: "user", content: "hello" },
        { role: "assistant", content: "Hello! How can I help?" },
        { role: "user", content: WEATHER_QUESTION },
      ],
      sessionId: "reads-as-chat",
    };
    const response = await ask(request);
    const body = response.json<ChatResponse>();
    const server = spansOfTrace(body.traceId!).find((span) => span.kind === SpanKind.SERVER)!;
    expect(server.parentSpanContext, "the root of its trace").toBeUndefined();
    expect(server.attributes).toMatchObject({
      [SemanticConventions.INPUT_VALUE]: WEATHER_QUESTION,
      [SemanticConventions.INPUT_MIME_TYPE]: "text/plain",
      [SemanticConventions.OUTPUT_VALUE]: body.message.content,
      [SemanticConventions.OUTPUT_MIME_TYPE]: "text/plain",
      [SemanticConventions.SESSION_ID]: "reads-as-chat",
    });
    // The bodies themselves (the whole history, the ids) are not on it: their sizes are.
    expect(server.attributes["http.request.body.size"]).toBe(Buffer.byteLength(JSON.stringify(request)));
    expect(server.attributes["http.response.body.size"]).toBe(Buffer.byteLength(response.body));
    for (const value of Object.values(server.attributes)) expect(String(value)).not.toContain("Hello! How can I help?");
  });

  it("puts session.id on every span of the turn", async () => {
    const body = (await ask({ messages: [{ role: "user", content: WEATHER_QUESTION }], sessionId: "conversation-42" })).json<ChatResponse>();
    const trace = spansOfTrace(body.traceId!);
    expect(trace.map((span) => span.name).sort()).toEqual(["ChatCompletion", "ChatCompletion", "CreateEmbeddings", "POST /api/chat", "chat_turn", "get_weather", "get_weather", "retrieve"]);
    for (const span of trace) expect(span.attributes[SemanticConventions.SESSION_ID], `session.id on ${span.name}`).toBe("conversation-42");
  });

  it("makes a session id when the client sends none", async () => {
    const body = (await ask({ messages: [{ role: "user", content: "hello" }] })).json<ChatResponse>();
    expect(body.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    for (const span of spansOfTrace(body.traceId!)) expect(span.attributes[SemanticConventions.SESSION_ID]).toBe(body.sessionId);
  });

  it("continues the client's trace when the request carries a W3C traceparent", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const clientSpanId = "00f067aa0ba902b7";
    const response = await ask({ messages: [{ role: "user", content: "hello" }] }, { traceparent: `00-${traceId}-${clientSpanId}-01` });
    const body = response.json<ChatResponse>();
    expect(body.traceId).toBe(traceId);
    const server = spansOfTrace(traceId).find((span) => span.kind === SpanKind.SERVER)!;
    expect(server.parentSpanContext?.spanId).toBe(clientSpanId);
  });

  it("sends the conversation history to the model", async () => {
    const response = await ask({
      messages: [
        { role: "user", content: "hello" },
        { role: "assistant", content: "Hello! How can I help?" },
        { role: "user", content: "calculate 6 * 7" },
      ],
    });
    expect(response.json<ChatResponse>().message.content).toContain("42");
    const firstLlm = spans.getFinishedSpans().find((span) => span.attributes[KIND] === "LLM")!;
    expect(firstLlm.attributes["llm.input_messages.2.message.content"]).toBe("Hello! How can I help?");
  });

  it("accepts an earlier empty answer from the model in the history", async () => {
    const response = await ask({
      messages: [
        { role: "user", content: "hello" },
        { role: "assistant", content: "" },
        { role: "user", content: "hello again" },
      ],
    });
    expect(response.statusCode).toBe(200);
  });
});

describe("bad requests get a 4xx that names the problem, and the server keeps serving", () => {
  const json = { "content-type": "application/json" };
  const cases: Array<{ what: string; payload: string; headers?: Record<string, string>; status: number; message: RegExp }> = [
    { what: "invalid JSON", payload: "{bad", status: 400, message: /not valid JSON/ },
    { what: "an empty body", payload: "", status: 400, message: /empty/ },
    { what: "no messages", payload: "{}", status: 400, message: /messages is missing/ },
    { what: "an empty conversation", payload: '{"messages":[]}', status: 400, message: /messages must NOT have fewer than 1 items/ },
    { what: "an unknown role", payload: '{"messages":[{"role":"robot","content":"hi"}]}', status: 400, message: /messages\[0\]\.role must be one of: "user", "assistant"/ },
    { what: "content of the wrong type", payload: '{"messages":[{"role":"user","content":5}]}', status: 400, message: /messages\[0\]\.content must be a string/ },
    { what: "an unknown field", payload: '{"messages":[{"role":"user","content":"hi"}],"temperature":2}', status: 400, message: /unknown field "temperature"/ },
    { what: "a bad session id", payload: '{"messages":[{"role":"user","content":"hi"}],"sessionId":"a b"}', status: 400, message: /sessionId/ },
    { what: "a message that is only whitespace", payload: '{"messages":[{"role":"user","content":" \\n\\t "}]}', status: 400, message: /messages\[0\]\.content is empty or only whitespace/ },
    { what: "an empty question", payload: '{"messages":[{"role":"user","content":""}]}', status: 400, message: /messages\[0\]\.content is empty/ },
    { what: "an answer as the last message", payload: '{"messages":[{"role":"assistant","content":"hi"}]}', status: 400, message: /last message must be the user's/ },
    { what: "a body that is not JSON", payload: "hello", headers: { "content-type": "text/plain" }, status: 415, message: /content-type: application\/json/ },
    {
      what: "an oversized body",
      payload: JSON.stringify({ messages: [{ role: "user", content: "a".repeat(1_100_000) }] }),
      status: 413,
      message: /too large/,
    },
  ];

  for (const { what, payload, headers, status, message } of cases) {
    it(`${what}: ${status}`, async () => {
      const response = await app.inject({ method: "POST", url: "/api/chat", payload, headers: headers ?? json });
      expect(response.statusCode).toBe(status);
      const body = response.json<{ error: string }>();
      expect(body.error).toMatch(message);
      expect(response.body, "no stack trace goes to the client").not.toMatch(/\bat .+\(.+:\d+:\d+\)/);
    });
  }

  it("a refused request's server span has the reason it was given as output, and the question when there is one", async () => {
    const notUser = await ask({ messages: [{ role: "user", content: "hi" }, { role: "assistant", content: "Hello!" }] });
    const unknownRole = await app.inject({ method: "POST", url: "/api/chat", payload: '{"messages":[{"role":"robot","content":"hi"}]}', headers: json });
    const [first, second] = spans.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
    expect(first!.attributes).toMatchObject({
      [SemanticConventions.INPUT_VALUE]: "hi",
      [SemanticConventions.OUTPUT_VALUE]: notUser.json<{ error: string }>().error,
      [SemanticConventions.OUTPUT_MIME_TYPE]: "text/plain",
      "http.response.status_code": 400,
    });
    // The schema refused the body before any route code read it: no question to show.
    expect(second!.attributes[SemanticConventions.INPUT_VALUE]).toBeUndefined();
    expect(second!.attributes[SemanticConventions.OUTPUT_VALUE]).toBe(unknownRole.json<{ error: string }>().error);
  });

  it("still answers after all of them", async () => {
    expect((await ask({ messages: [{ role: "user", content: "hello" }] })).statusCode).toBe(200);
    expect((await app.inject({ method: "GET", url: "/healthz" })).json()).toMatchObject({ ok: true });
  });

  it("an unknown path: 404 with the routes that exist", async () => {
    const response = await app.inject({ method: "GET", url: "/api/nothing" });
    expect(response.statusCode).toBe(404);
    expect(response.json<{ error: string }>().error).toContain("POST /api/chat");
  });

  it("a known path with the wrong method: 405 with an Allow header, not 404", async () => {
    const getChat = await app.inject({ method: "GET", url: "/api/chat" });
    expect(getChat.statusCode).toBe(405);
    expect(getChat.headers.allow).toBe("POST");
    expect(getChat.json<{ error: string }>().error).toBe("/api/chat does not take GET: use POST.");
    const postHealth = await app.inject({ method: "POST", url: "/healthz" });
    expect(postHealth.statusCode).toBe(405);
    expect(postHealth.headers.allow).toBe("GET, HEAD");
    const deleteTrace = await app.inject({ method: "DELETE", url: "/api/traces/4bf92f3577b34da6a3ce929d0e0e4736" });
    expect(deleteTrace.statusCode).toBe(405);
    expect(deleteTrace.headers.allow).toBe("GET, HEAD");
  });

  it("a URL that cannot be decoded (/%ff): 400 with the usual { error }", async () => {
    const response = await app.inject({ method: "GET", url: "/%ff" });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({ error: expect.stringMatching(/URL is not valid/) });
  });
});

describe("model failures", () => {
  it("a model error (HTTP 500) is a 502 with a readable message, and an ERROR LLM span with the exception", async () => {
    const response = await ask({ messages: [{ role: "user", content: "hello [[fault:http-500]]" }] });
    expect(response.statusCode).toBe(502);
    expect(response.json<{ error: string }>().error).toMatch(/model service had an error \(HTTP 500\)/);
    expect(response.json<{ traceId: string }>().traceId, "the failed turn's trace id, for a link to it").toMatch(/^[0-9a-f]{32}$/);
    const llm = spans.getFinishedSpans().find((span) => span.attributes[KIND] === "LLM")!;
    expect(llm.status.code).toBe(SpanStatusCode.ERROR);
    expect(llm.events.find((event) => event.name === "exception")?.attributes?.["exception.type"]).toBe("ModelApiError");
    const server = spans.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER)!;
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
    expect(server.attributes["http.response.status_code"]).toBe(502);
  });

  it("a failed turn's server span reads as the question and what the user was told", async () => {
    const response = await ask({ messages: [{ role: "user", content: "hello [[fault:http-500]]" }] });
    const server = spans.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER)!;
    expect(server.attributes).toMatchObject({
      [SemanticConventions.INPUT_VALUE]: "hello [[fault:http-500]]",
      [SemanticConventions.INPUT_MIME_TYPE]: "text/plain",
      [SemanticConventions.OUTPUT_VALUE]: response.json<{ error: string }>().error,
      [SemanticConventions.OUTPUT_MIME_TYPE]: "text/plain",
    });
    const turn = spans.getFinishedSpans().find((span) => span.name === "chat_turn")!;
    expect(server.attributes[SemanticConventions.OUTPUT_VALUE], "the same words as chat_turn's output").toBe(turn.attributes[SemanticConventions.OUTPUT_VALUE]);
  });

  it("a malformed model answer is a 502", async () => {
    const response = await ask({ messages: [{ role: "user", content: "hello [[fault:malformed]]" }] });
    expect(response.statusCode).toBe(502);
  });

  it("a model slower than MODEL_TIMEOUT_MS is a 504", async () => {
    model.offlineModel!.injectFaults({ kind: "slow", ms: 3000 });
    const response = await ask({ messages: [{ role: "user", content: "hello" }] });
    expect(response.statusCode).toBe(504);
    expect(response.json<{ error: string }>().error).toMatch(/took too long/);
    const turn = spans.getFinishedSpans().find((span) => span.name === "chat_turn")!;
    expect(turn.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("a gateway's upstream failure, asked without streaming (its HTTP 500, in the words its stream error event would carry): 502 with the reason and the trace id; the LLM span's exception keeps the provider's words", async () => {
    const response = await ask({ messages: [{ role: "user", content: "hello [[fault:stream-error]]" }] });
    expect(response.statusCode).toBe(502);
    const { error, traceId } = response.json<ErrorResponse>();
    expect(error).toBe("The model service had an error (HTTP 500). Please try again in a moment.");
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const trace = spansOfTrace(traceId!);
    const llm = trace.find((span) => span.attributes[KIND] === "LLM")!;
    expect(llm.status.code).toBe(SpanStatusCode.ERROR);
    const exception = llm.events.find((event) => event.name === "exception")!;
    expect(exception.attributes?.[ATTR_EXCEPTION_TYPE]).toBe("ModelApiError");
    expect(String(exception.attributes?.[ATTR_EXCEPTION_MESSAGE]), "the provider's own words").toContain(upstreamStreamError().error.message);
    const turn = trace.find((span) => span.name === "chat_turn")!;
    expect(turn.attributes[SemanticConventions.OUTPUT_VALUE], "the failed turn says what the user was told").toBe(error);
  });

  it("chat_turn records the exception that failed it, with its real message", async () => {
    await ask({ messages: [{ role: "user", content: "hello [[fault:http-500]]" }] });
    const turn = spans.getFinishedSpans().find((span) => span.name === "chat_turn")!;
    expect(turn.status.code).toBe(SpanStatusCode.ERROR);
    expect(turn.status.message).toMatch(/^The model API answered HTTP 500/);
    const exception = turn.events.find((event) => event.name === "exception");
    expect(exception?.attributes?.["exception.type"]).toBe("ModelApiError");
    expect(exception?.attributes?.["exception.message"]).toBe(turn.status.message);
  });
});

describe("a bug in the turn (no model failure the app has a sentence for)", () => {
  const logged: string[] = [];
  let buggy: FastifyInstance;
  beforeAll(async () => {
    // The model client with a bug in it: what reading a field that is not there throws.
    const withBug: ModelConnection = {
      ...model,
      createChatCompletion: async () => {
        throw new TypeError("Cannot read properties of undefined (reading '0')");
      },
    };
    buggy = await buildServer({
      config: { phoenixUrl: await closedPortUrl(), phoenixApiKey: undefined, projectName: "app-tests", modelTimeoutMs: 1000 },
      model: withBug,
      flushSpans: async () => {},
      log: (line) => logged.push(line),
    });
  });
  afterAll(() => buggy.close());

  it("a 500 with the app's sentence and the trace id, whose spans and the log hold the exception", async () => {
    const response = await buggy.inject({ method: "POST", url: "/api/chat", payload: { messages: [{ role: "user", content: "hello" }] } });
    expect(response.statusCode).toBe(500);
    const { error, traceId } = response.json<ErrorResponse>();
    expect(error).toBe(INTERNAL_ERROR_MESSAGE);
    expect(traceId, "the failed turn's trace id, as for a model failure").toMatch(/^[0-9a-f]{32}$/);
    const trace = spansOfTrace(traceId!);
    const server = trace.find((span) => span.kind === SpanKind.SERVER)!;
    expect(server.status.code).toBe(SpanStatusCode.ERROR);
    expect(server.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE]).toBe(500);
    expect(server.events.find((event) => event.name === "exception")?.attributes?.[ATTR_EXCEPTION_TYPE]).toBe("TypeError");
    const turn = trace.find((span) => span.name === "chat_turn")!;
    expect(turn.status.code).toBe(SpanStatusCode.ERROR);
    expect(logged.some((line) => line.startsWith("POST /api/chat failed: TypeError: Cannot read properties of undefined"))).toBe(true);
  });

  it("a request that fails before any turn (a 4xx) gets no trace id: there is no turn to look at", async () => {
    const response = await buggy.inject({ method: "POST", url: "/api/chat", payload: { messages: [{ role: "robot", content: "hello" }] } });
    expect(response.statusCode).toBe(400);
    expect(response.json<ErrorResponse>().traceId).toBeUndefined();
  });
});

describe("the client hangs up mid-turn (a real connection)", () => {
  let baseUrl: URL;
  beforeAll(async () => {
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    baseUrl = new URL(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
  });

  it("cancels the model call, and every span of the turn ends as ERROR saying why", async () => {
    // The model would take 900 ms; the client leaves after 150 ms.
    model.offlineModel!.injectFaults({ kind: "slow", ms: 900 });
    const sentAt = Date.now();
    await new Promise<void>((resolve) => {
      const request = httpRequest(new URL("/api/chat", baseUrl), { method: "POST", headers: { "content-type": "application/json" } });
      request.on("error", () => resolve()); // "socket hang up": we hung up
      request.end(JSON.stringify({ messages: [{ role: "user", content: "hello" }] }));
      setTimeout(() => request.destroy(), 150);
    });
    await expect.poll(() => spans.getFinishedSpans().map((span) => span.name).sort(), { timeout: 2000 }).toEqual(["ChatCompletion", "CreateEmbeddings", "POST /api/chat", "chat_turn", "retrieve"]);

    const llm = spans.getFinishedSpans().find((span) => span.name === "ChatCompletion")!;
    const endedAfterMs = llm.endTime[0] * 1000 + llm.endTime[1] / 1e6 - sentAt;
    expect(endedAfterMs, "the model call was aborted, not waited for").toBeLessThan(700);
    for (const name of ["ChatCompletion", "chat_turn"]) {
      const span = spans.getFinishedSpans().find((candidate) => candidate.name === name)!;
      expect(span.status, name).toEqual({ code: SpanStatusCode.ERROR, message: "The client closed the connection before the answer was ready." });
      expect(span.events.find((event) => event.name === "exception")?.attributes?.["exception.type"], name).toBe("TurnCancelledError");
    }
    const server = spans.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER)!;
    expect(server.status).toEqual({ code: SpanStatusCode.ERROR, message: "The client closed the connection before the answer was sent." });
  });
});

describe("POST /api/feedback", () => {
  it("with Phoenix unreachable: 503 that says so and how to start it", async () => {
    const response = await app.inject({ method: "POST", url: "/api/feedback", payload: { spanId: "08c93f1fde572617", score: 1 } });
    expect(response.statusCode).toBe(503);
    expect(response.json<{ error: string }>().error).toMatch(/Phoenix is not reachable at http:\/\/127\.0\.0\.1:\d+.*npm run phoenix/);
  });

  it("rejects a score other than 0 or 1, and a span id that is not 16 hex digits", async () => {
    const badScore = await app.inject({ method: "POST", url: "/api/feedback", payload: { spanId: "08c93f1fde572617", score: 5 } });
    expect(badScore.statusCode).toBe(400);
    expect(badScore.json<{ error: string }>().error).toMatch(/score must be one of: 0, 1/);
    const badSpan = await app.inject({ method: "POST", url: "/api/feedback", payload: { spanId: "nope", score: 1 } });
    expect(badSpan.statusCode).toBe(400);
    expect(badSpan.json<{ error: string }>().error).toMatch(/spanId/);
  });

  describe("with Phoenix up", () => {
    let phoenix: Server;
    let received: { url?: string; body?: unknown } = {};
    let feedbackApp: FastifyInstance;
    let flushed = 0;

    beforeAll(async () => {
      phoenix = createServer((req, res) => {
        let text = "";
        req.on("data", (chunk) => (text += chunk));
        req.on("end", () => {
          received = { url: req.url, body: JSON.parse(text) };
          res.writeHead(200, { "content-type": "application/json" }).end('{"data":[]}');
        });
      });
      await new Promise<void>((resolve) => phoenix.listen(0, "127.0.0.1", resolve));
      const address = phoenix.address();
      const port = typeof address === "object" && address ? address.port : 0;
      feedbackApp = await buildServer({
        config: { phoenixUrl: `http://127.0.0.1:${port}`, phoenixApiKey: undefined, projectName: "app-tests", modelTimeoutMs: 1000 },
        model,
        flushSpans: async () => void flushed++,
        log: () => {},
      });
    });
    afterAll(async () => {
      await feedbackApp.close();
      await new Promise<void>((resolve) => phoenix.close(() => resolve()));
    });

    it("sends the spans first, then a user_feedback span annotation to Phoenix", async () => {
      const response = await feedbackApp.inject({ method: "POST", url: "/api/feedback", payload: { spanId: "08c93f1fde572617", score: 0 } });
      expect(response.statusCode).toBe(200);
      expect(flushed).toBe(1);
      expect(received.url).toBe("/v1/span_annotations");
      expect(received.body).toEqual({
        data: [
          {
            span_id: "08c93f1fde572617",
            name: "user_feedback",
            annotator_kind: "HUMAN",
            result: { label: "thumbs-down", score: 0 },
            metadata: {},
          },
        ],
      });
    });
  });
});

describe("the page", () => {
  it("GET / serves the chat page, and its script compiled from web/main.ts", async () => {
    const page = await app.inject({ method: "GET", url: "/" });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain('<script type="module" src="/main.js">');
    const script = await app.inject({ method: "GET", url: "/main.js" });
    expect(script.headers["content-type"]).toContain("javascript");
    expect(script.body).toContain("/api/chat");
  });

  it("the page's requests are not traced (only chat turns are)", async () => {
    await app.inject({ method: "GET", url: "/" });
    await app.inject({ method: "GET", url: "/healthz" });
    expect(spans.getFinishedSpans()).toHaveLength(0);
  });
});
