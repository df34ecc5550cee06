// What a request may carry and what its spans keep: span limits sized for the API's own
// limits (a 200-message conversation loses no key), the conversation's total size (413),
// the byte-bounded export queue, and server-side sampling (a `-00` traceparent is recorded).
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from "@opentelemetry/api";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, SamplingDecision, type ReadableSpan, type SpanExporter } from "@opentelemetry/sdk-trace-base";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import type { ChatResponse, ConversationMessage } from "../api.ts";
import { BoundedBatchSpanProcessor, estimateSpanBytes } from "./bounded-span-processor.ts";
import { MAX_CONVERSATION_BYTES, MAX_MESSAGES, SPAN_ATTRIBUTE_COUNT_LIMIT } from "./limits.ts";
import { buildServer } from "./server.ts";
import { SPAN_LIMITS, serverSampler, setupTracing } from "./tracing.ts";
import { closedPortUrl } from "./test-support/closed-port.ts";

const spans = new InMemorySpanExporter();
setupTracing({ projectName: "limits-tests", exporter: spans, processor: "simple", env: {} });

let model: ModelConnection;
let app: FastifyInstance;
beforeAll(async () => {
  model = await connectModel({ env: {} });
  app = await buildServer({
    config: { phoenixUrl: await closedPortUrl(), phoenixApiKey: undefined, projectName: "limits-tests", modelTimeoutMs: 5000 },
    model,
    flushSpans: async () => {},
    log: () => {},
  });
});
afterAll(async () => {
  await app.close();
  await model.close();
});
beforeEach(() => spans.reset());

/** MAX_MESSAGES messages, alternating, ending with a question that makes the model call two tools. */
function longConversation(): ConversationMessage[] {
  const messages: ConversationMessage[] = [];
  for (let i = 0; i < MAX_MESSAGES - 1; i++) {
    messages.push({ role: i % 2 === 0 ? "user" : "assistant", content: `message ${i}: ${"lorem ipsum ".repeat(40)}` });
  }
  messages.push({ role: "user", content: "What's the weather in Paris and in Tokyo?" });
  return messages;
}

describe("span limits", () => {
  it("are set on the provider, sized for the API's 200 messages with tool calls", () => {
    expect(SPAN_LIMITS.attributeCountLimit).toBe(SPAN_ATTRIBUTE_COUNT_LIMIT);
    expect(SPAN_LIMITS.attributeCountLimit).toBeGreaterThan(2 * MAX_MESSAGES + 128);
    expect(SPAN_LIMITS.attributeValueLengthLimit).toBeGreaterThanOrEqual(MAX_CONVERSATION_BYTES);
  });

  it("a 200-message conversation keeps every key of every LLM span: nothing is dropped", async () => {
    const conversation = longConversation();
    const response = await app.inject({ method: "POST", url: "/api/chat", payload: { messages: conversation, sessionId: "long-one" } });
    expect(response.statusCode, response.body).toBe(200);
    const finished = spans.getFinishedSpans();
    for (const span of finished) expect(span.droppedAttributesCount, `${span.name} dropped attributes`).toBe(0);
    const llms = finished.filter((span) => span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND] === "LLM");
    expect(llms).toHaveLength(2);
    for (const llm of llms) {
      for (const key of [
        SemanticConventions.OUTPUT_VALUE,
        "llm.output_messages.0.message.role",
        SemanticConventions.LLM_TOKEN_COUNT_PROMPT,
        SemanticConventions.LLM_TOKEN_COUNT_COMPLETION,
        SemanticConventions.LLM_TOKEN_COUNT_TOTAL,
        SemanticConventions.LLM_FINISH_REASON,
        SemanticConventions.SESSION_ID,
        "llm.tools.0.tool.json_schema",
        "llm.tools.1.tool.json_schema",
        // the system prompt, then the 200 messages: the question is input message 200
        `llm.input_messages.${MAX_MESSAGES}.message.content`,
      ]) {
        expect(llm.attributes[key], `${key} on an LLM span of a 200-message turn`).toBeDefined();
      }
    }
    const answering = llms.find((span) => span.attributes[SemanticConventions.LLM_FINISH_REASON] === "stop")!;
    // and the tool loop's messages after the conversation: assistant with 2 calls, 2 tool results
    expect(answering.attributes[`llm.input_messages.${MAX_MESSAGES + 1}.message.tool_calls.1.tool_call.id`]).toBeDefined();
    expect(answering.attributes[`llm.input_messages.${MAX_MESSAGES + 3}.message.tool_call_id`]).toBeDefined();
  });
});

describe("the conversation's size", () => {
  it(`over ${MAX_CONVERSATION_BYTES} bytes of text in all: 413, naming the limit`, async () => {
    const messages: ConversationMessage[] = [];
    for (let i = 0; i < 15; i++) messages.push({ role: i % 2 === 0 ? "user" : "assistant", content: "x".repeat(19_000) });
    const response = await app.inject({ method: "POST", url: "/api/chat", payload: { messages } });
    expect(response.statusCode).toBe(413);
    expect(response.json<{ error: string }>().error).toMatch(new RegExp(`limit is ${MAX_CONVERSATION_BYTES} bytes`));
    expect(spans.getFinishedSpans().filter((span) => span.name === "chat_turn"), "no turn was run").toHaveLength(0);
  });

  it("counts bytes, not characters: emoji weigh 4 each", async () => {
    const messages: ConversationMessage[] = [];
    // 4 x 19,000 emoji: under each message's 20,000 characters, but 304,000 bytes in all
    for (let i = 0; i < 4; i++) messages.push({ role: i % 2 === 0 ? "user" : "assistant", content: "😀".repeat(19_000) });
    messages.push({ role: "user", content: "hello" });
    const response = await app.inject({ method: "POST", url: "/api/chat", payload: { messages } });
    expect(response.statusCode).toBe(413);
  });
});

describe("turns at once", () => {
  it("one more than APP_MAX_CONCURRENT_TURNS gets a 503 with retry-after; the others are answered", async () => {
    const one = await buildServer({
      config: { phoenixUrl: await closedPortUrl(), phoenixApiKey: undefined, projectName: "limits-tests", modelTimeoutMs: 5000, maxConcurrentTurns: 1 },
      model,
      flushSpans: async () => {},
      log: () => {},
    });
    try {
      model.offlineModel!.injectFaults({ kind: "slow", ms: 1000 });
      const before = model.offlineModel!.requestCount();
      const first = one.inject({ method: "POST", url: "/api/chat", payload: { messages: [{ role: "user", content: "hello" }] } });
      await expect.poll(() => model.offlineModel!.requestCount(), { timeout: 5000 }).toBeGreaterThan(before);
      const second = await one.inject({ method: "POST", url: "/api/chat", payload: { messages: [{ role: "user", content: "hello" }] } });
      expect(second.statusCode).toBe(503);
      expect(second.headers["retry-after"]).toBe("1");
      expect(second.json<{ error: string }>().error).toMatch(/APP_MAX_CONCURRENT_TURNS/);
      expect((await first).statusCode).toBe(200);
      expect((await one.inject({ method: "POST", url: "/api/chat", payload: { messages: [{ role: "user", content: "hello" }] } })).statusCode, "room again").toBe(200);
    } finally {
      model.offlineModel!.injectFaults();
      await one.close();
    }
  });
});

describe("a client's traceparent with the sampled flag off (-00)", () => {
  it("is still recorded: the ids returned name spans that exist, in the client's trace", async () => {
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const response = await app.inject({
      method: "POST",
      url: "/api/chat",
      payload: { messages: [{ role: "user", content: "hello" }] },
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-00` },
    });
    const body = response.json<ChatResponse>();
    expect(body.traceId).toBe(traceId);
    const server = spans.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER);
    expect(server, "the server span was recorded").toBeDefined();
    expect(server!.spanContext().spanId).toBe(body.spanId);
    expect(spans.getFinishedSpans().map((span) => span.name)).toContain("chat_turn");
  });
});

describe("the sampler", () => {
  it("records a remote unsampled parent's child; OTEL_TRACES_SAMPLER, when set, wins", () => {
    const remoteUnsampled = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
      spanId: "00f067aa0ba902b7",
      traceFlags: TraceFlags.NONE,
      isRemote: true,
    });
    const ours = serverSampler({})!;
    expect(ours.shouldSample(remoteUnsampled, "4bf92f3577b34da6a3ce929d0e0e4736", "POST /api/chat", SpanKind.SERVER, {}, []).decision).toBe(
      SamplingDecision.RECORD_AND_SAMPLED,
    );
    expect(serverSampler({ OTEL_TRACES_SAMPLER: "always_off" })).toBeUndefined();
    vi.stubEnv("OTEL_TRACES_SAMPLER", "always_off");
    try {
      // As setupTracing builds it: no sampler given, so the SDK reads the variable.
      const provider = new BasicTracerProvider({ spanLimits: SPAN_LIMITS });
      expect(provider.getTracer("t").startSpan("s").isRecording()).toBe(false);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe("the export queue, bounded by size", () => {
  /** Exports that never finish until release(); after that they fail at once. */
  class StuckExporter implements SpanExporter {
    received = 0;
    private released = false;
    private waiting: Array<() => void> = [];
    export(batch: ReadableSpan[], done: (result: ExportResult) => void): void {
      this.received += batch.length;
      const fail = () => done({ code: ExportResultCode.FAILED, error: new Error("timed out") });
      if (this.released) fail();
      else this.waiting.push(fail);
    }
    release(): void {
      this.released = true;
      for (const done of this.waiting.splice(0)) done();
    }
    async shutdown(): Promise<void> {}
  }

  it("drops spans once the held ones reach the byte budget, says so once, and takes spans again after the export ends", async () => {
    const exporter = new StuckExporter();
    const warnings: string[] = [];
    const processor = new BoundedBatchSpanProcessor(exporter, { maxQueueBytes: 1_000_000, maxQueueSize: 1000, onDrop: (message) => warnings.push(message) });
    // A provider of its own (not the global one): 100 spans of about 200 KB each.
    const provider = new BasicTracerProvider({ spanLimits: SPAN_LIMITS, spanProcessors: [processor] });
    const tracer = provider.getTracer("queue-test");
    const big = "y".repeat(100_000);
    for (let i = 0; i < 100; i++) tracer.startSpan(`span ${i}`, { attributes: { "input.value": big } }).end();
    expect(processor.queuedBytes).toBeLessThanOrEqual(1_000_000);
    expect(processor.dropped, "most of the 100 spans did not fit").toBeGreaterThan(90);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/APP_SPAN_QUEUE_MAX_BYTES/);

    exporter.release(); // the stuck export ends (failed): its spans are let go, and so are the rest once sent
    await processor.forceFlush().catch(() => {}); // the exports fail: the collector is still down
    expect(processor.queuedBytes).toBe(0);
    const dropped = processor.dropped;
    tracer.startSpan("after", { attributes: { "input.value": big } }).end();
    expect(processor.dropped, "room again").toBe(dropped);
    await provider.shutdown().catch(() => {});
  });

  it("estimates a span's size from its text", () => {
    const provider = new BasicTracerProvider({ spanLimits: SPAN_LIMITS });
    const span = provider.getTracer("estimate").startSpan("s", { attributes: { a: "z".repeat(10_000) } });
    span.end();
    const readable = span as unknown as ReadableSpan;
    expect(estimateSpanBytes(readable)).toBeGreaterThan(20_000);
    expect(estimateSpanBytes(readable)).toBeLessThan(40_000);
  });
});
