// A lesson's chatbot as its own process, for the exporting lesson's tests: what happens to the
// spans depends on how a process ends, and on the tracer setup a fresh process makes, so the
// tests run these scenarios in a child and read what reached their OTLP receiver.
//   node --import tsx shared/testing/export-scenario.ts <lesson folder> <scenario>
// The lesson's own setupTracing and phoenixExporter are used, with the environment the test
// gives (PHOENIX_COLLECTOR_ENDPOINT, OTEL_*). Each reply is printed on stdout as a JSON line
// {"reply": ...}; "ready" is printed when a scenario waits for a signal.
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { SpanExporter } from "@opentelemetry/sdk-trace-base";
import { connectModel, type ModelConnection } from "../chatbot/connect-model.ts";
import type { ChatMessage } from "../openai/types.ts";
import { startOfflineModel } from "../model/offline-model.ts";
import { isRunDirectly } from "../lesson-runner/run-lesson.ts";
import type { TracingModule } from "./taught/tracer-setup.ts";

export const EXPORT_SCENARIOS = ["long-conversation", "exit-after-turn", "wait-for-signal", "collector-down"] as const;
export type ExportScenario = (typeof EXPORT_SCENARIOS)[number];

/** The session id the scenarios' conversations carry. */
export const SCENARIO_SESSION_ID = "export-scenario-session";
/** Earlier messages of the long conversation: with the system prompt and the question, the model is sent 60. */
export const LONG_HISTORY_MESSAGES = 58;
/** Characters of the one long message in the long conversation's history (the user pasted a document). */
export const LONG_MESSAGE_LENGTH = 100_000;

interface Chatbot {
  chatTurn(model: ModelConnection, conversation: Conversation, question: string): Promise<string>;
}
interface Conversation {
  sessionId: string;
  userId: string;
  metadata: Record<string, string | number | boolean>;
  tags: string[];
  messages: ChatMessage[];
}

/** The long conversation's history: questions and answers about the weather, one question very long. */
export function longHistory(): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (let pair = 0; pair < LONG_HISTORY_MESSAGES / 2; pair++) {
    const pasted = "the weather report says sunny. ";
    const question = pair === 3 ? `Summarise this: ${pasted.repeat(Math.ceil(LONG_MESSAGE_LENGTH / pasted.length))}`.slice(0, LONG_MESSAGE_LENGTH) : `Question ${pair + 1}: what's the weather in Paris?`;
    messages.push({ role: "user", content: question }, { role: "assistant", content: `Answer ${pair + 1}: in Paris it is 18°C and sunny.` });
  }
  return messages;
}

/**
 * The test process that started this one holds its stdin: when that process ends (a stopped or
 * cancelled check), stdin ends, and so does this scenario, however it was waiting. Unref'd, so a
 * scenario that ends by itself is not kept alive by it; and never more than a minute in any case.
 */
function endWithParent(): void {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.on("error", () => process.exit(0));
  process.stdin.resume();
  (process.stdin as unknown as { unref?: () => void }).unref?.();
  setTimeout(() => process.exit(124), 60_000).unref();
}

async function main(): Promise<void> {
  endWithParent();
  const [folder, scenario] = process.argv.slice(2) as [string, ExportScenario];
  if (!folder || !EXPORT_SCENARIOS.includes(scenario)) throw new Error(`usage: export-scenario.ts <lesson folder> <${EXPORT_SCENARIOS.join("|")}>`);
  const load = async <Module>(file: string) => (await import(pathToFileURL(path.join(folder, file)).href)) as Module;
  const tracing = await load<TracingModule>("tracing.ts");
  const chatbot = await load<Chatbot>("chatbot.ts");

  const exporter = tracing.phoenixExporter(process.env);
  if (!exporter) throw new Error("phoenixExporter() returned no exporter although PHOENIX_COLLECTOR_ENDPOINT is set.");
  const settled = new SettledExports(exporter);
  const provider = tracing.setupTracing({ exporters: [settled] });
  const offlineModel = await startOfflineModel({ streamChunkDelayMs: 0 });
  const model = await connectModel({ env: {}, offlineModel });
  const conversation: Conversation = { sessionId: SCENARIO_SESSION_ID, userId: "export-scenario", metadata: { channel: "tests" }, tags: ["tests"], messages: [] };
  const ask = async (question: string) => console.log(JSON.stringify({ reply: await chatbot.chatTurn(model, conversation, question) }));
  const closeModel = async () => {
    await model.close();
    await offlineModel.close();
  };

  switch (scenario) {
    case "long-conversation":
      conversation.messages = longHistory();
      await ask("What's the weather in Tokyo?");
      await closeModel();
      await provider.shutdown();
      return;
    case "exit-after-turn":
      // No shutdown, no flush: the program just ends, as a script does.
      await ask("What's the weather in Paris?");
      await closeModel();
      return;
    case "wait-for-signal": {
      await ask("What's the weather in Paris?");
      await closeModel();
      console.log("ready");
      // Alive until a signal stops it, as a server is.
      setInterval(() => {}, 60_000);
      return;
    }
    case "collector-down": {
      // What the chatbot says while the collector is down, before the program ends (a warning
      // only from the flush at exit would leave a server silent for the whole outage).
      let linesWritten = 0;
      const write = process.stderr.write.bind(process.stderr) as (...args: unknown[]) => boolean;
      process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
        linesWritten += String(chunk).split("\n").filter((line) => line.trim() !== "").length;
        return write(chunk, ...rest);
      }) as typeof process.stderr.write;
      // Three turns, each one's batch sent (and failed) in the background before the next.
      for (const [turn, question] of ["What's the weather in Paris?", "And in London?", "And in Tokyo?"].entries()) {
        const before = settled.count;
        await ask(question);
        // No export at all after the first turn (nothing recorded, say): no use waiting for the others'.
        const waitMs = turn > 0 && settled.count === 0 ? 0 : 10_000;
        for (const deadline = Date.now() + waitMs; settled.count === before && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 5));
      }
      console.log(JSON.stringify({ linesWrittenDuringOutage: linesWritten }));
      await closeModel();
      return;
    }
  }
}

/** Passes every export on and counts those that have settled (succeeded or failed). */
class SettledExports implements SpanExporter {
  count = 0;
  constructor(private readonly inner: SpanExporter) {}
  export(...[spans, done]: Parameters<SpanExporter["export"]>): void {
    this.inner.export(spans, (result) => {
      this.count += 1;
      done(result);
    });
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

// Run as a script; the tests import only its constants.
if (isRunDirectly(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error(`export scenario failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  });
}
