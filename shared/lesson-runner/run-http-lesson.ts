// What `npx tsx lessons/09-.../chatbot.ts "question"` does from lesson 9 on: set up tracing with
// the lesson's own setupTracing, start the lesson's chat server on a free port of 127.0.0.1, ask
// it the question through the lesson's client, then stop the server and print the reply and the
// span tree. Client and server run in this one process, but they meet only over HTTP: when the
// headers carry the trace, the tree is one trace from the CLIENT span down; when not, two.
import { randomUUID } from "node:crypto";
import chalk from "chalk";
import type { BasicTracerProvider, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { connectModel, type ModelConnection } from "../chatbot/connect-model.ts";
import { TraceViewExporter } from "../trace-view/trace-view-exporter.ts";
import { renderSpanTree } from "../trace-view/render-tree.ts";
import { ReportingExporter, printPhoenixLink, spansByTrace, describeThrown } from "./run-lesson.ts";

export interface HttpLessonProgram {
  setupTracing(options: { exporters: SpanExporter[] }): BasicTracerProvider;
  /** the lesson's Phoenix exporter, or undefined when PHOENIX_COLLECTOR_ENDPOINT is not set */
  phoenixExporter(): SpanExporter | undefined;
  startChatServer(model: ModelConnection): Promise<{ url: string; close(): Promise<void> }>;
  askChatServer(serverUrl: string, sessionId: string, question: string): Promise<string>;
  /** the question asked when none is given on the command line */
  defaultQuestion: string;
}

export async function runHttpLesson(program: HttpLessonProgram, argv = process.argv.slice(2)): Promise<void> {
  const question = argv.join(" ").trim() || program.defaultQuestion;
  const traceView = new TraceViewExporter();
  const lessonExporter = program.phoenixExporter();
  const phoenix = lessonExporter ? new ReportingExporter(lessonExporter) : undefined;
  const provider = program.setupTracing({ exporters: phoenix ? [traceView, phoenix] : [traceView] });
  const model = await connectModel();
  const sessionId = randomUUID();
  console.log(chalk.dim(`model: ${model.model} via ${model.provider} (${model.baseUrl})`));
  let server: { url: string; close(): Promise<void> } | undefined;
  try {
    server = await program.startChatServer(model);
    console.log(chalk.dim(`server: POST ${server.url}/chat, session ${sessionId}`));
    console.log(`${chalk.bold("you:")} ${question}`);
    const reply = await program.askChatServer(server.url, sessionId, question);
    console.log(`${chalk.bold("bot:")} ${reply}`);
  } catch (error) {
    console.error(chalk.red(`The request threw: ${describeThrown(error)}`));
    process.exitCode = 1;
  } finally {
    await stopRun({ server, provider, model });
  }
  // The classic symptom of a boundary the context did not cross: the server's half is a trace of its own.
  printTraces(traceView, "where the client and the server should share one: does the client inject traceparent inside its CLIENT span, and does the server extract it and start its SERVER span in that context?");
  if (phoenix) await printPhoenixLink(traceView, phoenix);
}

/** The end of a client-and-server run: the server stopped, every pending span flushed (shutdown), the model closed; failures said, not thrown. */
export async function stopRun({ server, provider, model }: { server?: { close(): Promise<void> }; provider: BasicTracerProvider; model: ModelConnection }): Promise<void> {
  await server?.close().catch((error: unknown) => console.error(chalk.yellow(`Stopping the server failed: ${String(error)}`)));
  // Shutting the provider down flushes every pending span to every exporter.
  await provider.shutdown().catch((error: unknown) => console.error(chalk.yellow(`Flushing spans failed: ${String(error)}`)));
  await model.close();
}

/** The recorded spans as one tree per trace; with more than one trace and `whenSplit`, that warning first. */
export function printTraces(traceView: TraceViewExporter, whenSplit?: string): void {
  console.log(`\n${chalk.bold("spans:")}`);
  const traces = spansByTrace(traceView.spans);
  if (traces.length === 0) console.log(chalk.dim("  (no spans were recorded: is the tracer provider registered, and is every span ended?)"));
  if (traces.length > 1 && whenSplit) console.log(chalk.yellow(`  ${traces.length} traces, ${whenSplit}`));
  for (const [index, spans] of traces.entries()) {
    if (traces.length > 1) console.log(chalk.dim(`  trace ${index + 1} (${spans[0]!.spanContext().traceId}):`));
    console.log(renderSpanTree(spans).replace(/^/gm, traces.length > 1 ? "    " : "  "));
  }
}

