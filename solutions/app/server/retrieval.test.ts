// The app's retrieval (lesson 12) where the app differs from the lesson: it can be turned off, a
// failed search is a 502 that says it was the search, a client that leaves during the search
// cancels it, and a provider without embeddings says so. What the spans hold as the lesson
// teaches it: course-drift.test.ts.
import { createServer, type Server } from "node:http";
import { SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import type { ChatResponse, ErrorResponse } from "../api.ts";
import { readConfig } from "./config.ts";
import { buildServer } from "./server.ts";
import { setupTracing } from "./tracing.ts";
import { closedPortUrl } from "./test-support/closed-port.ts";

const KIND = SemanticConventions.OPENINFERENCE_SPAN_KIND;
const QUESTION = "When is the best season to visit Paris?";

const spans = new InMemorySpanExporter();
setupTracing({ projectName: "retrieval-tests", exporter: spans, processor: "simple", env: {} });

const apps: FastifyInstance[] = [];
let model: ModelConnection;

async function appWith(retrieval: boolean, connection: ModelConnection = model): Promise<FastifyInstance> {
  const app = await buildServer({
    config: { phoenixUrl: await closedPortUrl(), phoenixApiKey: undefined, projectName: "retrieval-tests", modelTimeoutMs: 2000, retrieval },
    model: connection,
    flushSpans: async () => {},
    log: () => {},
  });
  apps.push(app);
  return app;
}

const ask = (app: FastifyInstance, content = QUESTION) => app.inject({ method: "POST", url: "/api/chat", payload: { messages: [{ role: "user", content }] } });
const kinds = () => spans.getFinishedSpans().map((span) => span.attributes[KIND]);

beforeAll(async () => {
  model = await connectModel({ env: {} });
});
afterAll(async () => {
  await model.close();
});
beforeEach(() => spans.reset());
afterEach(async () => {
  model.offlineModel!.injectEmbeddingFaults();
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

describe("APP_RETRIEVAL", () => {
  it("is on unless set to off", () => {
    expect(readConfig({}).retrieval).toBe(true);
    expect(readConfig({ APP_RETRIEVAL: "off" }).retrieval).toBe(false);
    expect(readConfig({ APP_RETRIEVAL: "on" }).retrieval).toBe(true);
  });

  it("off: no search, no RETRIEVER or EMBEDDING span, and the plain system prompt without documents or template", async () => {
    const response = await ask(await appWith(false));
    expect(response.statusCode).toBe(200);
    expect(kinds()).not.toContain("RETRIEVER");
    expect(kinds()).not.toContain("EMBEDDING");
    const llm = spans.getFinishedSpans().find((span) => span.attributes[KIND] === "LLM")!;
    expect(String(llm.attributes["llm.input_messages.0.message.content"])).not.toContain("Documents:");
    expect(llm.attributes[SemanticConventions.PROMPT_TEMPLATE_TEMPLATE]).toBeUndefined();
  });

  it("on: the answer cites the guide's documents", async () => {
    const response = await ask(await appWith(true));
    expect(response.json<ChatResponse>().message.content).toMatch(/\[paris-[a-z-]+\]/);
    expect(kinds().filter((kind) => kind === "RETRIEVER" || kind === "EMBEDDING").sort()).toEqual(["EMBEDDING", "RETRIEVER"]);
  });
});

describe("a failed search", () => {
  it("the embeddings endpoint rate-limited (HTTP 429): a 502 that says the search failed and when to try again; the model is not asked", async () => {
    model.offlineModel!.injectEmbeddingFaults("http-429");
    const response = await ask(await appWith(true));
    expect(response.statusCode).toBe(502);
    expect(response.json<ErrorResponse>().error).toMatch(/^The search of the city guide for your question failed\. The model is busy \(rate limited, HTTP 429\)\. Please try again in \d+ seconds?\.$/);
    expect(kinds()).not.toContain("LLM");
    const retriever = spans.getFinishedSpans().find((span) => span.attributes[KIND] === "RETRIEVER")!;
    expect(retriever.status.code).toBe(SpanStatusCode.ERROR);
    expect(retriever.events.find((event) => event.name === "exception")?.attributes?.["exception.type"], "the RETRIEVER span keeps the provider's error").toBe("ModelApiError");
    const turn = spans.getFinishedSpans().find((span) => span.name === "chat_turn")!;
    expect(turn.status).toMatchObject({ code: SpanStatusCode.ERROR, message: expect.stringMatching(/^The search of the city guide failed: The model API answered HTTP 429/) });
  });

  it("the client hangs up during the search: the embeddings request is cancelled, the spans say why, and no model call follows", async () => {
    model.offlineModel!.injectEmbeddingFaults("slow=900");
    const app = await appWith(true);
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const sentAt = Date.now();
    const request = fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: [{ role: "user", content: QUESTION }] }), signal: AbortSignal.timeout(150) });
    await expect(request).rejects.toThrow();
    await expect.poll(() => spans.getFinishedSpans().map((span) => span.name).sort(), { timeout: 3000 }).toEqual(["CreateEmbeddings", "POST /api/chat", "chat_turn", "retrieve"]);
    for (const name of ["CreateEmbeddings", "retrieve", "chat_turn"]) {
      const span = spans.getFinishedSpans().find((candidate) => candidate.name === name)!;
      expect(span.status, name).toEqual({ code: SpanStatusCode.ERROR, message: "The client closed the connection before the answer was ready." });
    }
    const embedding = spans.getFinishedSpans().find((span) => span.name === "CreateEmbeddings")!;
    expect(embedding.endTime[0] * 1000 + embedding.endTime[1] / 1e6 - sentAt, "the search was cancelled, not waited for").toBeLessThan(700);
  });

  it("the guide's own index failing on the first question (HTTP 500): a 502 for the search, and the next question builds it again", async () => {
    // A connection of its own: the index is built once per connection, on its first question.
    const fresh = await connectModel({ env: {} });
    try {
      // The question's embedding goes through; the index's (the 32 documents, in one request) fails.
      fresh.offlineModel!.injectEmbeddingFaults("none", "http-500");
      const app = await appWith(true, fresh);
      const failed = await ask(app);
      expect(failed.statusCode).toBe(502);
      expect(failed.json<ErrorResponse>().error).toMatch(/^The search of the city guide for your question failed\. The model service had an error \(HTTP 500\)/);
      const retriever = spans.getFinishedSpans().find((span) => span.attributes[KIND] === "RETRIEVER")!;
      expect(retriever.status.code).toBe(SpanStatusCode.ERROR);
      expect(kinds()).not.toContain("LLM");
      const again = await ask(app);
      expect(again.statusCode).toBe(200);
      expect(again.json<ChatResponse>().message.content).toMatch(/\[paris-[a-z-]+\]/);
    } finally {
      await fresh.close();
    }
  });

  it("the client hangs up while the guide's index is built (the first question): the turn stops waiting for it at once", async () => {
    const fresh = await connectModel({ env: {} });
    try {
      fresh.offlineModel!.injectEmbeddingFaults("none", "slow=6000");
      const app = await appWith(true, fresh);
      const url = await app.listen({ host: "127.0.0.1", port: 0 });
      const request = fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ messages: [{ role: "user", content: QUESTION }] }), signal: AbortSignal.timeout(150) });
      await expect(request).rejects.toThrow();
      // The turn ends with the hang-up, not when the index's request comes back 6 s later.
      await expect.poll(() => spans.getFinishedSpans().map((span) => span.name).sort(), { timeout: 3000 }).toEqual(["CreateEmbeddings", "POST /api/chat", "chat_turn", "retrieve"]);
      const retriever = spans.getFinishedSpans().find((span) => span.name === "retrieve")!;
      expect(retriever.status).toEqual({ code: SpanStatusCode.ERROR, message: "The client closed the connection before the answer was ready." });
      expect(retriever.events.find((event) => event.name === "exception")?.attributes?.["exception.type"]).toBe("TurnCancelledError");
    } finally {
      await fresh.close();
    }
  });

  it("a provider without an embeddings endpoint (404): the user is told the search was rejected, in the provider's words", async () => {
    const provider: Server = createServer((request, response) => {
      request.resume();
      response.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "The model `text-embedding-3-small` does not exist", type: "invalid_request_error" } }));
    });
    await new Promise<void>((resolve) => provider.listen(0, "127.0.0.1", resolve));
    const address = provider.address();
    const connection = await connectModel({ env: { OPENAI_BASE_URL: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/v1` }, timeoutMs: 2000 });
    try {
      const response = await ask(await appWith(true, connection));
      expect(response.statusCode).toBe(502);
      expect(kinds(), "no model call after a failed search").not.toContain("LLM");
      expect(response.json<ErrorResponse>().error).toBe(
        "The search of the city guide for your question failed. The model rejected the request (HTTP 404): The model `text-embedding-3-small` does not exist",
      );
    } finally {
      await connection.close();
      provider.closeAllConnections();
      await new Promise<void>((resolve) => provider.close(() => resolve()));
    }
  });
});
