// The app's protobuf encoding of spans is byte for byte the official one (otlp-transformer's
// ProtobufTraceSerializer, the version installed): on the app's own spans, long conversations
// included, and on every kind of value OpenTelemetry lets a span carry. Should an upgrade of
// OpenTelemetry change its encoding, these tests say so.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import type { ConversationMessage } from "../api.ts";
import { ProtobufSpanExporter } from "./otlp-exporter.ts";
import { buildServer } from "./server.ts";
import { encodeSpans } from "./span-protobuf.ts";
import { SPAN_LIMITS, setupTracing } from "./tracing.ts";

const official = (spans: ReadableSpan[]) => Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
const ours = (spans: ReadableSpan[]) => Buffer.from(encodeSpans(spans));

/** The same bytes; on a difference, where it starts (a hex dump of both around it). */
function expectSameBytes(spans: ReadableSpan[]): void {
  const expected = official(spans);
  const actual = ours(spans);
  if (expected.equals(actual)) return;
  let at = 0;
  while (at < expected.length && expected[at] === actual[at]) at++;
  const around = (bytes: Buffer) => bytes.subarray(Math.max(0, at - 16), at + 16).toString("hex");
  expect.fail(`encodings differ at byte ${at} of ${expected.length} (ours: ${actual.length}):\n official ${around(expected)}\n ours     ${around(actual)}`);
}

describe("the app's spans, encoded as the official serializer encodes them", () => {
  const spans = new InMemorySpanExporter();
  setupTracing({ projectName: "span-protobuf", exporter: spans, processor: "simple", env: {} });
  let model: ModelConnection;
  let app: Awaited<ReturnType<typeof buildServer>>;
  beforeAll(async () => {
    model = await connectModel({ env: {} });
    app = await buildServer({ config: { phoenixUrl: "http://127.0.0.1:9", phoenixApiKey: undefined, projectName: "span-protobuf", modelTimeoutMs: 5000 }, model, flushSpans: async () => {}, log: () => {} });
  });
  afterAll(async () => {
    await app.close();
    await model.close();
  });

  const conversation = (prior: number): ConversationMessage[] => [
    ...Array.from({ length: prior }, (_, i): ConversationMessage => (i % 2 ? { role: "assistant", content: `Réponse ${i}: il fait 18°C à Paris ☀️, ${"x".repeat(i * 7)}` } : { role: "user", content: `Question ${i}` })),
    { role: "user", content: "What's the weather in Paris and in Tokyo? And calculate 12 * 7" },
  ];

  for (const prior of [0, 9, 199]) {
    it(`a turn with ${prior} prior messages (tool calls, non-ASCII text, emoji): the same bytes`, async () => {
      spans.reset();
      const response = await app.inject({ method: "POST", url: "/api/chat", payload: { messages: conversation(prior), sessionId: "s-1" } });
      expect(response.statusCode, response.body).toBe(200);
      const finished = spans.getFinishedSpans();
      expect(finished.length).toBeGreaterThanOrEqual(6);
      expectSameBytes(finished);
    });
  }

  it("a failed turn (an exception event, an error status with a message): the same bytes", async () => {
    spans.reset();
    model.offlineModel!.injectFaults("http-500");
    const response = await app.inject({ method: "POST", url: "/api/chat", payload: { messages: conversation(2) } });
    expect(response.statusCode).toBe(502);
    const finished = spans.getFinishedSpans();
    expect(finished.some((span) => span.events.length > 0 && span.status.code === SpanStatusCode.ERROR)).toBe(true);
    expectSameBytes(finished);
  });
});

describe("every kind of span content, encoded as the official serializer encodes it", () => {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "edge-cases", "openinference.project.name": "p", "host.cores": 2 }),
    spanLimits: { ...SPAN_LIMITS, attributeCountLimit: 40 },
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const lone = "\ud800"; // a high surrogate without its pair: written as U+FFFD
  const strings = ["", "ascii", "Príncipe", "日本語のテキスト", "emoji 😀 and 👍🏽", `lone ${lone} high`, `lone \udc00 low`, `ends with ${lone}`, "x".repeat(63), "y".repeat(64), `${"é".repeat(40)}`, `${"long ".repeat(100)}😀${lone}`];

  it("strings of every kind, numbers, booleans, arrays, events, links, trace state, remote parents, kinds and statuses", () => {
    memory.reset();
    const remote = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: "0af7651916cd43dd8448eb211c80319c",
      spanId: "b7ad6b7169203331",
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
      traceState: new TraceState("vendor=value,other=1"),
    });
    const tracers = [provider.getTracer("one"), provider.getTracer("two", "1.2.3", { schemaUrl: "https://opentelemetry.io/schemas/1.24.0" })];
    const kinds = [SpanKind.INTERNAL, SpanKind.SERVER, SpanKind.CLIENT, SpanKind.PRODUCER, SpanKind.CONSUMER];
    strings.forEach((text, i) => {
      const span = tracers[i % 2]!.startSpan(
        text || "unnamed",
        {
          kind: kinds[i % kinds.length],
          attributes: {
            text,
            [`key ${text}`]: i,
            negative: -i - 1,
            big: 2 ** 40 + i,
            huge: 2 ** 62,
            beyondInt64: 2 ** 64,
            fraction: i + 0.5,
            notANumber: Number.NaN,
            infinite: Number.NEGATIVE_INFINITY,
            yes: i % 2 === 0,
            strings: [text, "b", ""],
            numbers: [1, -2, 3.5],
            booleans: [true, false],
            withGaps: ["a", null, undefined, "b"] as string[],
            empty: [],
          },
          links: i % 3 === 0 ? [{ context: trace.getSpanContext(remote)!, attributes: { why: text, n: i } }, { context: trace.getSpanContext(remote)! }] : [],
        },
        i % 2 ? remote : ROOT_CONTEXT,
      );
      span.addEvent(`event ${text}`, { detail: text, count: i });
      span.addEvent("bare");
      if (i % 4 === 0) span.recordException(new Error(`failed: ${text}`));
      span.setStatus(i % 3 === 0 ? { code: SpanStatusCode.ERROR, message: `because ${text}` } : { code: i % 3 === 1 ? SpanStatusCode.OK : SpanStatusCode.UNSET });
      span.end();
    });
    // One span over its attribute limit: a dropped attribute count.
    const crowded = tracers[0]!.startSpan("crowded");
    for (let i = 0; i < 60; i++) crowded.setAttribute(`k${i}`, `v${i}`);
    crowded.end();
    const spans = memory.getFinishedSpans();
    expect(spans.at(-1)!.droppedAttributesCount).toBeGreaterThan(0);
    expectSameBytes(spans);
  });

  it("spans of two resources (one with a schema URL), and an empty batch", () => {
    memory.reset();
    const other = new InMemorySpanExporter();
    const second = new BasicTracerProvider({ resource: resourceFromAttributes({ "service.name": "second" }, { schemaUrl: "https://opentelemetry.io/schemas/1.24.0" }), spanProcessors: [new SimpleSpanProcessor(other)] });
    provider.getTracer("one").startSpan("first resource").end();
    second.getTracer("three").startSpan("second resource").end();
    provider.getTracer("one").startSpan("first again").end();
    expectSameBytes([...memory.getFinishedSpans(), ...other.getFinishedSpans()]);
    expectSameBytes([]);
  });
});

describe("the app's protobuf exporter", () => {
  it("falls back to the official serializer for what it cannot encode (an id that is not hex)", () => {
    const memory = new InMemorySpanExporter();
    new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] }).getTracer("t").startSpan("odd").end();
    const [span] = memory.getFinishedSpans();
    const odd = Object.create(span!, { spanContext: { value: () => ({ ...span!.spanContext(), traceId: "not-hex" }) } }) as ReadableSpan;
    expect(() => encodeSpans([odd])).toThrow();
  });

  it("POSTs the official encoding as application/x-protobuf, and takes the 200 as success", async () => {
    const received: { type?: string; body: Buffer }[] = [];
    const collector = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        received.push({ type: request.headers["content-type"], body: Buffer.concat(chunks) });
        response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    try {
      const memory = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(memory)] });
      provider.getTracer("t").startSpan("exported", { attributes: { "input.value": "Príncipe ☀️" } }).end();
      const [span] = memory.getFinishedSpans();
      // The second one only the official serializer can encode: the exporter falls back for its batch.
      const odd = Object.create(span!, { spanContext: { value: () => ({ ...span!.spanContext(), traceId: "not-hex" }) } }) as ReadableSpan;
      const exporter = new ProtobufSpanExporter({ url: `http://127.0.0.1:${(collector.address() as AddressInfo).port}/v1/traces` });
      for (const batch of [[span!], [odd]]) {
        const code = await new Promise<number>((resolve) => exporter.export(batch, (result) => resolve(result.code)));
        expect(code).toBe(0); // ExportResultCode.SUCCESS
      }
      await exporter.shutdown();
      expect(received).toHaveLength(2);
      expect(received[0]!.type).toBe("application/x-protobuf");
      expect(received[0]!.body.equals(official([span!]))).toBe(true);
      expect(received[1]!.body.equals(official([odd]))).toBe(true);
    } finally {
      collector.close();
    }
  });
});
