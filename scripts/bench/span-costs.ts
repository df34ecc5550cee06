// Where tracing's CPU goes, per chat turn of the finished app: the app's real spans of the bench's
// two-tool turn (SERVER, chat_turn, two LLM, two TOOL), captured in this process, then timed part
// by part with process.cpuUsage(), interleaved (A, B, C, A, B, C ...) over rounds:
// - recording: one LLM span's request attributes set by the app's own recordRequest (chatbot.ts),
//   against the same attributes passed to startSpan as one spread object (the lessons' way);
// - encoding: the turn's spans to OTLP protobuf by @opentelemetry/otlp-transformer, which the
//   exporter runs on the event loop (what Phoenix needs);
// - for comparison: the same spans through v8.serialize, what handing them to a worker thread
//   would cost the event loop instead (the encoding's CPU would then be spent in the worker).
import v8 from "node:v8";
import { context } from "@opentelemetry/api";
import { getAttributesFromContext } from "@arizeai/openinference-core";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { connectModel, type ModelConnection } from "../../shared/chatbot/connect-model.ts";
import { toolDefinitions } from "../../shared/chatbot/tools.ts";
import { messageAttributes, offeredToolAttributes } from "../../solutions/app/server/message-attributes.ts";
import { installAppSpanCapture } from "../../solutions/app/server/test-support/app-span-capture.ts";
import { closedPortUrl } from "../../solutions/app/server/test-support/closed-port.ts";
import { SPAN_LIMITS } from "../../solutions/app/server/tracing.ts";
import { benchConversation } from "./app-overhead.ts";
import { medianAndRange } from "./statistics.ts";

/** CPU microseconds per call of `work`, measured over `calls` calls after a warm-up. */
function cpuMicros(work: () => void, calls: number): number {
  for (let i = 0; i < Math.ceil(calls / 5); i++) work();
  const before = process.cpuUsage();
  for (let i = 0; i < calls; i++) work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / calls;
}

/**
 * The spans of `turns` bench turns for each number of prior messages, as the app makes them. One
 * capture for all: the app's tracers bind to the provider installed before its first import.
 */
async function appTurnSpans(histories: number[], turns: number): Promise<Map<number, ReadableSpan[]>> {
  const capture = installAppSpanCapture();
  const { buildServer } = await import("../../solutions/app/server/server.ts");
  const model = await connectModel({ env: {} });
  const app = await buildServer({
    config: { phoenixUrl: await closedPortUrl(), phoenixApiKey: undefined, projectName: "bench", modelTimeoutMs: 5000 },
    model,
    flushSpans: async () => {},
    log: () => {},
  });
  try {
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    const spans = new Map<number, ReadableSpan[]>();
    for (const history of histories) {
      capture.reset();
      const body = JSON.stringify({ messages: benchConversation(history), sessionId: "bench" });
      for (let i = 0; i < turns; i++) {
        const response = await fetch(`${url}/api/chat`, { method: "POST", headers: { "content-type": "application/json" }, body });
        if (!response.ok) throw new Error(`the app answered ${response.status}: ${await response.text()}`);
      }
      spans.set(history, capture.finished());
    }
    return spans;
  } finally {
    await app.close();
    await model.close();
    await capture.uninstall();
  }
}

export async function benchSpanCosts({ histories, rounds, log }: { histories: number[]; rounds: number; log: (line: string) => void }): Promise<void> {
  const noop: SpanProcessor = { onStart() {}, onEnd() {}, async forceFlush() {}, async shutdown() {} };
  const tracer = new BasicTracerProvider({ spanLimits: SPAN_LIMITS, spanProcessors: [noop] }).getTracer("bench");
  const tools = toolDefinitions();
  // recordRequest reads only the provider of the connection
  const connection = { provider: "offline" } as ModelConnection;
  log("| prior messages | record one LLM span's request, as the app does (set on the span) | the lessons' way (one object to startSpan) | encode a turn's 6 spans to OTLP protobuf (otlp-transformer) | v8.serialize the same spans (a worker's hand-off) | protobuf bytes per turn |");
  log("|---|---|---|---|---|---|");
  const spansByHistory = await appTurnSpans(histories, 22);
  // Imported only now: the app's modules must first be imported under the capture (appTurnSpans).
  const { recordRequest } = await import("../../solutions/app/server/chatbot.ts");
  for (const history of histories) {
    const spans = spansByHistory.get(history)!;
    const perTurn = spans.length / 22;
    const batch = spans.slice(0, 128);
    const request = { model: "workbook-offline", messages: benchConversation(history), tools, temperature: 0.2 };
    const { messages: _messages, ...invocationParameters } = request;
    const asTheApp = () => {
      const span = tracer.startSpan("ChatCompletion");
      recordRequest(span, connection, request, invocationParameters);
      span.end();
    };
    // The same attributes as recordRequest sets, in one object given to startSpan.
    const asTheLessons = () => {
      const attributes = {
        "openinference.span.kind": "LLM",
        "llm.system": "openai",
        "llm.provider": connection.provider,
        "llm.model_name": request.model,
        "llm.invocation_parameters": JSON.stringify(invocationParameters),
        "input.value": JSON.stringify(request),
        "input.mime_type": "application/json",
        ...messageAttributes("llm.input_messages", request.messages),
        ...offeredToolAttributes(tools),
        ...getAttributesFromContext(context.active()),
      };
      tracer.startSpan("ChatCompletion", { attributes }).end();
    };
    // What a worker needs to encode a span: its data, without the SDK objects around it.
    const plain = batch.map((span) => ({
      name: span.name,
      kind: span.kind,
      spanContext: span.spanContext(),
      parentSpanContext: span.parentSpanContext,
      startTime: span.startTime,
      endTime: span.endTime,
      attributes: span.attributes,
      events: span.events,
      links: span.links,
      status: span.status,
      resource: span.resource.attributes,
      scope: span.instrumentationScope,
    }));
    const results = { app: [] as number[], lessons: [] as number[], encode: [] as number[], clone: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      results.app.push(cpuMicros(asTheApp, 500));
      results.lessons.push(cpuMicros(asTheLessons, 500));
      results.encode.push((cpuMicros(() => ProtobufTraceSerializer.serializeRequest(batch), 20) * perTurn) / batch.length);
      results.clone.push((cpuMicros(() => v8.serialize(plain), 20) * perTurn) / batch.length);
    }
    const bytes = (ProtobufTraceSerializer.serializeRequest(batch)!.length * perTurn) / batch.length;
    const us = (value: number) => `${Math.round(value)} µs`;
    log(
      `| ${history} | ${medianAndRange(results.app, us)} | ${medianAndRange(results.lessons, us)} | ${medianAndRange(results.encode, us)} | ${medianAndRange(results.clone, us)} | ${Math.round(bytes / 1024)} KiB |`,
    );
  }
}
