// What `npx tsx lessons/NN-.../chatbot.ts` does: set up tracing with the lesson's own
// setupTracing, run one chat turn against the model, then print the reply and the span tree
// (and, when Phoenix is configured, where the trace went).
import { fileURLToPath } from "node:url";
import path from "node:path";
import chalk from "chalk";
import type { BasicTracerProvider, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { connectModel, type ModelConnection } from "../chatbot/connect-model.ts";
import { TraceViewExporter } from "../trace-view/trace-view-exporter.ts";
import { phoenixBaseUrl, phoenixTraceUrl } from "../phoenix/trace-link.ts";

export interface LessonProgram {
  setupTracing(options: { exporters: SpanExporter[] }): BasicTracerProvider;
  /** the lesson's Phoenix exporter, or undefined when PHOENIX_COLLECTOR_ENDPOINT is not set */
  phoenixExporter(): SpanExporter | undefined;
  chatTurn(model: ModelConnection, userMessage: string): Promise<string>;
  /** the question asked when none is given on the command line */
  defaultQuestion: string;
}

/** True when this module is the script node was started with (not imported by a test). */
export function isRunDirectly(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(moduleUrl);
}

export async function runLesson(program: LessonProgram, argv = process.argv.slice(2)): Promise<void> {
  const question = argv.join(" ").trim() || program.defaultQuestion;
  const traceView = new TraceViewExporter();
  const phoenix = program.phoenixExporter();
  const provider = program.setupTracing({ exporters: phoenix ? [traceView, phoenix] : [traceView] });
  const model = await connectModel();
  console.log(chalk.dim(`model: ${model.model} via ${model.provider} (${model.baseUrl})`));
  console.log(`${chalk.bold("you:")} ${question}`);
  try {
    const reply = await program.chatTurn(model, question);
    console.log(`${chalk.bold("bot:")} ${reply}`);
  } catch (error) {
    console.log(chalk.red(`The chat turn threw: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`));
    process.exitCode = 1;
  } finally {
    // Shutting the provider down flushes every pending span to every exporter.
    await provider.shutdown().catch((error: unknown) => console.log(chalk.yellow(`Flushing spans failed: ${String(error)}`)));
    await model.close();
  }

  console.log(`\n${chalk.bold("spans:")}`);
  if (traceView.spans.length === 0) {
    console.log(chalk.dim("  (no spans were recorded: is the tracer provider registered, and is every span ended?)"));
  } else {
    console.log(traceView.render().replace(/^/gm, "  "));
  }
  if (phoenix) await printPhoenixLink(traceView);
}

async function printPhoenixLink(traceView: TraceViewExporter): Promise<void> {
  const root = traceView.spans.find((span) => !span.parentSpanContext);
  const baseUrl = phoenixBaseUrl();
  const projectName = process.env.PHOENIX_PROJECT_NAME || "openinference-workbook";
  if (!root) return;
  const traceId = root.spanContext().traceId;
  // Phoenix stores spans in the background: a new project can take a moment to appear.
  let url: string | undefined;
  for (let attempt = 0; attempt < 5 && !url; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 300));
    url = await phoenixTraceUrl(baseUrl, projectName, traceId).catch(() => undefined);
  }
  console.log(`\n${chalk.bold("phoenix:")} ${url ?? `${baseUrl} (project "${projectName}", trace ${traceId})`}`);
}
