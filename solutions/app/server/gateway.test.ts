// What a real provider or gateway (LiteLLM's proxy, say) sends that the offline model does not:
// a fake OpenAI-compatible server on loopback plays it, and the app is held to the right spans
// and short, honest answers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import type { ChatCompletionRequest } from "../../../shared/openai/types.ts";
import type { ErrorResponse } from "../api.ts";
import { MAX_MODEL_CALLS } from "./limits.ts";
import { buildServer } from "./server.ts";
import { setupTracing } from "./tracing.ts";
import { closedPortUrl } from "./test-support/closed-port.ts";

const spans = new InMemorySpanExporter();
setupTracing({ projectName: "gateway-tests", exporter: spans, processor: "simple", env: {} });

type Handler = (request: ChatCompletionRequest, res: ServerResponse, req: IncomingMessage) => void;
let handle: Handler = () => {};
const requests: ChatCompletionRequest[] = [];
const authorizations: Array<string | undefined> = [];
let gateway: Server;
let gatewayUrl: string;

function completion(message: object, finishReason: string, usage: object = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 }) {
  return JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", created: 1, model: "gw-model", choices: [{ index: 0, message, finish_reason: finishReason }], usage });
}

beforeAll(async () => {
  gateway = createServer((req, res) => {
    let text = "";
    req.on("data", (chunk) => (text += chunk));
    req.on("end", () => {
      const body = JSON.parse(text) as ChatCompletionRequest;
      requests.push(body);
      authorizations.push(req.headers.authorization);
      handle(body, res, req);
    });
  });
  await new Promise<void>((resolve) => gateway.listen(0, "127.0.0.1", resolve));
  const address = gateway.address();
  gatewayUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/v1`;
});
afterAll(() => new Promise<void>((resolve) => {
  gateway.closeAllConnections();
  gateway.close(() => resolve());
}));
beforeEach(() => {
  spans.reset();
  requests.length = 0;
  authorizations.length = 0;
});

async function appFor(env: NodeJS.ProcessEnv): Promise<{ app: FastifyInstance; model: ModelConnection }> {
  const model = await connectModel({ env, timeoutMs: 3000 });
  const app = await buildServer({
    // The chat completions through a gateway, alone: this fake answers every request as a chat
    // completion (retrieval's embeddings through one: retrieval.test.ts).
    config: { phoenixUrl: await closedPortUrl(), phoenixApiKey: undefined, projectName: "gateway-tests", modelTimeoutMs: 3000, retrieval: false },
    model,
    flushSpans: async () => {},
    log: () => {},
  });
  return { app, model };
}

function ask(app: FastifyInstance, content = "hello") {
  return app.inject({ method: "POST", url: "/api/chat", payload: { messages: [{ role: "user", content }] } });
}

const named = (name: string) => spans.getFinishedSpans().filter((span) => span.name === name);
const llmSpans = () => spans.getFinishedSpans().filter((span) => span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND] === "LLM");
const exceptionMessage = (span: ReadableSpan) => span.events.find((event) => event.name === "exception")?.attributes?.["exception.message"];

describe("through a gateway", () => {
  let app: FastifyInstance;
  let model: ModelConnection;
  beforeAll(async () => ({ app, model } = await appFor({ OPENAI_BASE_URL: gatewayUrl, OPENAI_API_KEY: "sk-test", OPENAI_PROVIDER: "LiteLLM" })));
  afterAll(async () => {
    await app.close();
    await model.close();
  });

  it("llm.provider is what OPENAI_PROVIDER names (the host would say 127.0.0.1)", async () => {
    handle = (_request, res) => res.writeHead(200, { "content-type": "application/json" }).end(completion({ role: "assistant", content: "hi" }, "stop"));
    expect((await ask(app)).statusCode).toBe(200);
    expect(llmSpans()[0]!.attributes[SemanticConventions.LLM_PROVIDER]).toBe("litellm");
  });

  it("records token details: cached prompt tokens, reasoning and audio tokens", async () => {
    handle = (_request, res) =>
      res.writeHead(200, { "content-type": "application/json" }).end(
        completion({ role: "assistant", content: "hi" }, "stop", {
          prompt_tokens: 100,
          completion_tokens: 40,
          total_tokens: 140,
          prompt_tokens_details: { cached_tokens: 64, audio_tokens: 3 },
          completion_tokens_details: { reasoning_tokens: 25, audio_tokens: 2 },
        }),
      );
    await ask(app);
    expect(llmSpans()[0]!.attributes).toMatchObject({
      "llm.token_count.prompt": 100,
      "llm.token_count.prompt_details.cache_read": 64,
      "llm.token_count.prompt_details.audio": 3,
      "llm.token_count.completion_details.reasoning": 25,
      "llm.token_count.completion_details.audio": 2,
    });
  });

  it("a multi-line provider error: the 502 body is one short line, the span keeps the whole text, its status one line", async () => {
    const providerText = `litellm.BadRequestError: OpenAIException - Error code: 400\nReceived Model Group=gw-model\nAvailable Model Group Fallbacks=None\n${"detail ".repeat(100)}`;
    handle = (_request, res) =>
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: providerText, type: "invalid_request_error", code: "400" } }));
    const response = await ask(app);
    expect(response.statusCode).toBe(502);
    const { error } = response.json<ErrorResponse>();
    expect(error).not.toContain("\n");
    expect(error.length).toBeLessThan(300);
    expect(error.match(/HTTP 400/g), "HTTP 400 said once").toHaveLength(1);
    expect(error).toContain("litellm.BadRequestError");
    const llm = llmSpans()[0]!;
    expect(llm.status.message).not.toContain("\n");
    expect(String(exceptionMessage(llm))).toContain("Available Model Group Fallbacks=None");
    const turn = named("chat_turn")[0]!;
    expect(turn.attributes[SemanticConventions.OUTPUT_VALUE], "the failed turn says what the user was told").toBe(error);
  });

  it("a 429 without retry-after does not invent a wait", async () => {
    handle = (_request, res) => res.writeHead(429, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "Rate limit", type: "rate_limit" } }));
    const { error } = (await ask(app)).json<ErrorResponse>();
    expect(error).toMatch(/rate limited/);
    expect(error).not.toMatch(/\d+ seconds?/);
  });

  it("a 429 with retry-after says that wait", async () => {
    handle = (_request, res) => res.writeHead(429, { "content-type": "application/json", "retry-after": "7" }).end(JSON.stringify({ error: { message: "Rate limit" } }));
    expect((await ask(app)).json<ErrorResponse>().error).toMatch(/try again in 7 seconds/);
  });

  it("an answer cut off mid-body: the user is told it was cut off, not that the model could not be reached", async () => {
    handle = (_request, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
      res.write('{"id":"chatcmpl-1","choices":[');
      setTimeout(() => res.destroy(), 20);
    };
    const response = await ask(app);
    expect(response.statusCode).toBe(502);
    const { error } = response.json<ErrorResponse>();
    expect(error).toMatch(/cut off/);
    expect(error).not.toMatch(/could not be reached/);
  });

  it("a model that keeps calling tools: the last call offers none, the turn is ERROR and the answer a 502", async () => {
    let n = 0;
    handle = (request, res) => {
      n += 1;
      res.writeHead(200, { "content-type": "application/json" }).end(
        completion(
          { role: "assistant", content: null, tool_calls: [{ id: `call_${n}`, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
          "tool_calls",
        ),
      );
      void request;
    };
    const response = await ask(app, "weather in Paris, forever");
    expect(response.statusCode).toBe(502);
    expect(response.json<ErrorResponse>().error).toMatch(/kept calling tools/);
    expect(requests).toHaveLength(MAX_MODEL_CALLS);
    const last = requests.at(-1)!;
    expect(last.tool_choice, "the last call lets the model answer with what it has").toBe("none");
    // ... and carries the previous step's tool result: nothing was dropped unread
    expect(last.messages.at(-1)).toMatchObject({ role: "tool", tool_call_id: `call_${MAX_MODEL_CALLS - 1}` });
    expect(named("get_weather")).toHaveLength(MAX_MODEL_CALLS - 1);
    const turn = named("chat_turn")[0]!;
    expect(turn.status.code).toBe(SpanStatusCode.ERROR);
    expect(turn.events.find((event) => event.name === "exception")?.attributes?.["exception.type"]).toBe("NoAnswerError");
    expect(named("POST /api/chat")[0]!.status.code).toBe(SpanStatusCode.ERROR);
  });

  it("a model that answers on the last call, once no tools are offered: a normal 200", async () => {
    handle = (request, res) => {
      const answer =
        request.tool_choice === "none"
          ? completion({ role: "assistant", content: "It is 18°C in Paris." }, "stop")
          : completion({ role: "assistant", content: null, tool_calls: [{ id: `call_${requests.length}`, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] }, "tool_calls");
      res.writeHead(200, { "content-type": "application/json" }).end(answer);
    };
    const response = await ask(app, "weather in Paris");
    expect(response.statusCode).toBe(200);
    expect(named("chat_turn")[0]!.status.code).toBe(SpanStatusCode.OK);
  });
});

describe("credentials in OPENAI_BASE_URL", () => {
  it("are sent as Basic authorization, and never appear in the spans", async () => {
    const withCredentials = gatewayUrl.replace("http://", "http://alice:s3cret-pw@");
    const { app, model } = await appFor({ OPENAI_BASE_URL: withCredentials });
    try {
      expect(model.baseUrl).not.toContain("s3cret-pw");
      handle = (_request, res) => res.writeHead(200, { "content-type": "application/json" }).end(completion({ role: "assistant", content: "hi" }, "stop"));
      expect((await ask(app)).statusCode).toBe(200);
      expect(authorizations[0]).toBe(`Basic ${Buffer.from("alice:s3cret-pw").toString("base64")}`);
    } finally {
      await app.close();
    }
  });

  it("a model that cannot be reached: the exception messages on the spans name the URL without them", async () => {
    const { app } = await appFor({ OPENAI_BASE_URL: (await closedPortUrl()).replace("http://", "http://bob:hunter2-pw@") + "/v1" });
    try {
      const response = await ask(app);
      expect(response.statusCode).toBe(502);
      expect(response.body).not.toContain("hunter2");
      const finished = spans.getFinishedSpans();
      expect(finished.length).toBeGreaterThan(0);
      for (const span of finished) {
        expect(JSON.stringify({ attributes: span.attributes, events: span.events, status: span.status }), span.name).not.toContain("hunter2");
      }
      expect(String(exceptionMessage(llmSpans()[0]!))).toMatch(/Could not reach the model at http:\/\/127\.0\.0\.1/);
    } finally {
      await app.close();
    }
  });
});
