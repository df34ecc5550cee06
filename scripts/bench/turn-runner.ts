// One arm of the comparison with the official instrumentation (official-comparison.ts), in a
// process of its own, driven over IPC: it runs chat turns one after another and says how much CPU
// they took. Started by the bench with
//   BENCH_ARM=app|official|sdk  the instrumentation: the app's own (chatTurn / streamChatTurn), the
//                           `openai` SDK patched by @arizeai/openinference-instrumentation-openai
//                           inside the app's same agent loop (tracedTurn: the same CHAIN and TOOL
//                           spans), or that SDK not patched (see turn-arms.ts)
//   OPENAI_BASE_URL         the offline model (a process of its own)
//   BENCH_COLLECTOR_URL     the fake collector (a process of its own)
//   OTEL_SDK_DISABLED=true  for the arm's untraced baseline: the same code with tracing off
// Both arms set up tracing the same way, as the app does (setupTracing: its batch processor, span
// limits and sampler), with the same OTLP protobuf exporter to the same collector.
import { OpenInferenceSpanKind, SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import type { ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { ConversationMessage } from "../../solutions/app/api.ts";
import { setupTracing } from "../../solutions/app/server/tracing.ts";
import { tracingOffReason } from "../../solutions/app/telemetry/telemetry-config.ts";
import { benchConversation } from "./app-overhead.ts";
import { appTurn, inSetting, officialTurn, type TurnSetting } from "./turn-arms.ts";

export type ArmName = "app" | "official" | "sdk";

export type RunnerRequest =
  | ({ type: "trial"; durationMs: number } & TurnSetting)
  | ({ type: "probe" } & TurnSetting);

export type RunnerReply =
  | { type: "ready" }
  | { type: "trial"; turns: number; cpuMs: number }
  | { type: "probe"; spans: number; llmSpans: number; llmAttributes: number[]; reply: string }
  | { type: "error"; message: string };

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
  if (!["app", "official", "sdk"].includes(arm) || !baseUrl || !collector) throw new Error("turn-runner needs BENCH_ARM (app, official or sdk), OPENAI_BASE_URL and BENCH_COLLECTOR_URL");
  const exporter = new ProbingExporter(new OTLPTraceExporter({ url: `${collector}/v1/traces` }));
  // Tracing off as the app reads it (main.ts): OTEL_SDK_DISABLED=true records nothing.
  const provider = setupTracing({ projectName: "bench", exporter, env: process.env, tracingOff: tracingOffReason(process.env) });
  const turn = arm === "app" ? await appTurn(baseUrl) : await officialTurn(baseUrl, { instrument: arm === "official" });
  const run = (setting: TurnSetting, conversation: ConversationMessage[]) => inSetting(setting, () => turn(conversation, setting.streamed));

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

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
