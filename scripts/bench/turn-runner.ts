// One arm of the comparison with the official instrumentation (official-comparison.ts), in a
// process of its own, driven over IPC: it runs chat turns one after another and says how much CPU
// they took. Started by the bench with
//   BENCH_ARM=app|official  the instrumentation: the app's own (chatTurn / streamChatTurn), or the
//                           `openai` SDK patched by @arizeai/openinference-instrumentation-openai
//                           inside the app's same agent loop (tracedTurn: the same CHAIN and TOOL spans)
//   OPENAI_BASE_URL         the offline model (a process of its own)
//   BENCH_COLLECTOR_URL     the fake collector (a process of its own)
//   OTEL_SDK_DISABLED=true  for the arm's untraced baseline: the same code with tracing off
// Both arms set up tracing the same way, as the app does (setupTracing: its batch processor, span
// limits and sampler), with the same OTLP protobuf exporter to the same collector.
import { context } from "@opentelemetry/api";
import { setSession } from "@arizeai/openinference-core";
import { OpenInferenceSpanKind, SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import { OpenAIInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import * as openaiModule from "openai";
import { connectModel } from "../../shared/chatbot/connect-model.ts";
import { toolDefinitions } from "../../shared/chatbot/tools.ts";
import type { ChatMessage, ToolCall } from "../../shared/openai/types.ts";
import type { ConversationMessage } from "../../solutions/app/api.ts";
import { setupTracing } from "../../solutions/app/server/tracing.ts";
import { benchConversation } from "./app-overhead.ts";

export type ArmName = "app" | "official";

/** What one setting is: the conversation's length, plain or streamed, in a session or not. */
export interface TurnSetting {
  history: number;
  streamed: boolean;
  session: boolean;
}

export type RunnerRequest =
  | ({ type: "trial"; durationMs: number } & TurnSetting)
  | ({ type: "probe" } & TurnSetting);

export type RunnerReply =
  | { type: "ready" }
  | { type: "trial"; turns: number; cpuMs: number }
  | { type: "probe"; spans: number; llmSpans: number; llmAttributes: number[]; reply: string }
  | { type: "error"; message: string };

const SESSION_ID = "bench-session-7f3a";

/** Counts what it is handed while `probing` (one turn, outside any measured trial), and exports it. */
class ProbingExporter implements SpanExporter {
  probing = false;
  seen: ReadableSpan[] = [];
  constructor(private readonly inner: SpanExporter) {}
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.probing) this.seen.push(...spans);
    this.inner.export(spans, done);
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

async function main(): Promise<void> {
  const arm = process.env.BENCH_ARM as ArmName;
  const baseUrl = process.env.OPENAI_BASE_URL!;
  const collector = process.env.BENCH_COLLECTOR_URL!;
  if ((arm !== "app" && arm !== "official") || !baseUrl || !collector) throw new Error("turn-runner needs BENCH_ARM (app or official), OPENAI_BASE_URL and BENCH_COLLECTOR_URL");
  const exporter = new ProbingExporter(new OTLPTraceExporter({ url: `${collector}/v1/traces` }));
  const provider = setupTracing({ projectName: "bench", exporter, env: process.env });
  const turn = arm === "app" ? await appTurn(baseUrl) : officialTurn(baseUrl);

  const run = (setting: TurnSetting, conversation: ConversationMessage[]) =>
    setting.session ? context.with(setSession(context.active(), { sessionId: SESSION_ID }), () => turn(conversation, setting.streamed)) : turn(conversation, setting.streamed);

  process.on("message", (message: RunnerRequest) => {
    void (async (): Promise<RunnerReply> => {
      const conversation = benchConversation(message.history);
      if (message.type === "probe") {
        exporter.seen = [];
        exporter.probing = true;
        const reply = await run(message, conversation);
        await provider.forceFlush();
        exporter.probing = false;
        const llm = exporter.seen.filter((span) => span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND] === OpenInferenceSpanKind.LLM);
        return { type: "probe", spans: exporter.seen.length, llmSpans: llm.length, llmAttributes: llm.map((span) => Object.keys(span.attributes).length), reply };
      }
      // The trial's CPU includes sending its spans: the turns, then a flush of what they left queued.
      const before = process.cpuUsage();
      const started = performance.now();
      let turns = 0;
      do {
        await run(message, conversation);
        turns += 1;
      } while (performance.now() - started < message.durationMs);
      await new Promise((resolve) => setImmediate(resolve)); // a stream's span may end just after its last chunk was read
      await provider.forceFlush();
      const used = process.cpuUsage(before);
      return { type: "trial", turns, cpuMs: (used.user + used.system) / 1000 };
    })()
      .catch((error: unknown): RunnerReply => ({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) }))
      .then((reply) => process.send!(reply));
  });
  process.on("disconnect", () => void provider.shutdown().finally(() => process.exit(0)));
  process.send!({ type: "ready" } satisfies RunnerReply);
}

type Turn = (conversation: ConversationMessage[], streamed: boolean) => Promise<string>;

/** The app's turn as its routes run it. */
async function appTurn(baseUrl: string): Promise<Turn> {
  const { chatTurn, streamChatTurn } = await import("../../solutions/app/server/chatbot.ts");
  const model = await connectModel({ env: { OPENAI_BASE_URL: baseUrl, OPENAI_MODEL: "workbook-offline" } });
  return async (conversation, streamed) => (streamed ? (await streamChatTurn(model, conversation, { onText: () => {} })).reply : chatTurn(model, conversation));
}

/**
 * The same turn (the app's tracedTurn: its CHAIN span, its agent loop, its TOOL spans) with each
 * model call made through the `openai` SDK, patched by the official instrumentation as its docs
 * say for ESM (manuallyInstrument): the official LLM span per call.
 */
function officialTurn(baseUrl: string): Turn {
  const instrumentation = new OpenAIInstrumentation();
  instrumentation.manuallyInstrument(openaiModule as unknown as Parameters<typeof instrumentation.manuallyInstrument>[0]);
  const client = new openaiModule.OpenAI({ baseURL: baseUrl, apiKey: "not-needed-offline" });
  let tracedTurn: typeof import("../../solutions/app/server/chatbot.ts").tracedTurn;
  const ready = import("../../solutions/app/server/chatbot.ts").then((module) => (tracedTurn = module.tracedTurn));
  const tools = toolDefinitions();
  const request = (messages: ChatMessage[], toolChoiceNone: boolean) => ({
    model: "workbook-offline",
    messages,
    tools,
    ...(toolChoiceNone ? { tool_choice: "none" as const } : {}),
    temperature: 0.2,
  });
  type Params = openaiModule.OpenAI.ChatCompletionCreateParamsNonStreaming;
  return async (conversation, streamed) => {
    await ready;
    const { reply } = await tracedTurn(conversation, async (messages, toolChoiceNone) => {
      if (!streamed) {
        const response = await client.chat.completions.create(request(messages, toolChoiceNone) as unknown as Params);
        return { message: (response.choices[0]?.message ?? { role: "assistant", content: "" }) as ChatMessage, stopped: false };
      }
      // Streamed: the answer put together from the chunks, as the app does.
      const stream = await client.chat.completions.create({
        ...(request(messages, toolChoiceNone) as unknown as Params),
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      const toolCalls: ToolCall[] = [];
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta;
        if (!delta) continue;
        if (delta.content) text += delta.content;
        for (const piece of delta.tool_calls ?? []) {
          const call = (toolCalls[piece.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
          if (piece.id) call.id = piece.id;
          if (piece.function?.name) call.function.name += piece.function.name;
          if (piece.function?.arguments) call.function.arguments += piece.function.arguments;
        }
      }
      const calls = toolCalls.filter(Boolean);
      const message: ChatMessage = { role: "assistant", content: text === "" && calls.length > 0 ? null : text, ...(calls.length ? { tool_calls: calls } : {}) };
      return { message, stopped: false };
    });
    return reply;
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
