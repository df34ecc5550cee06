// What `npx tsx lessons/NN-.../chatbot.ts` does: set up tracing with the lesson's own
// setupTracing, run one chat turn against the model, then print the reply and the span tree
// (and, when Phoenix is configured, where the trace went).
import { fileURLToPath } from "node:url";
import path from "node:path";
import chalk from "chalk";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { BasicTracerProvider, ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { connectModel, type ModelConnection } from "../chatbot/connect-model.ts";
import { TraceViewExporter } from "../trace-view/trace-view-exporter.ts";
import { redactUrlCredentials } from "../phoenix/url-credentials.ts";
import { phoenixAuthAdvice, phoenixHeaders } from "../phoenix/headers.ts";
import { lastLookupAnswer, phoenixBaseUrl, phoenixTraceUrl } from "../phoenix/trace-link.ts";

export interface LessonProgram {
  setupTracing(options: { exporters: SpanExporter[] }): BasicTracerProvider;
  /** the lesson's Phoenix exporter, or undefined when PHOENIX_COLLECTOR_ENDPOINT is not set */
  phoenixExporter(): SpanExporter | undefined;
  chatTurn(model: ModelConnection, userMessage: string): Promise<string>;
  /** the question asked when none is given on the command line */
  defaultQuestion: string;
}

/**
 * A thrown error as the learner needs it: its name and message, and where in the lesson's own
 * code it was thrown (the first frame of its stack outside node_modules and the workbook's shared/).
 */
export function describeThrown(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const frame = (error.stack ?? "")
    .split("\n")
    .map((line) => /\(?((?:file:\/\/)?\/[^()]+?):(\d+):(\d+)\)?$/.exec(line.trim()))
    .find((match) => match && !/[\\/](node_modules|shared)[\\/]/.test(match[1]!) && !match[1]!.startsWith("node:"));
  const where = frame ? `\n  at ${path.relative(process.cwd(), frame[1]!.replace(/^file:\/\//, ""))}:${frame[2]}:${frame[3]}` : "";
  return `${error.name}: ${error.message}${where}`;
}

/** True when this module is the script node was started with (not imported by a test). */
export function isRunDirectly(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(moduleUrl);
}

export async function runLesson(program: LessonProgram, argv = process.argv.slice(2)): Promise<void> {
  const question = argv.join(" ").trim() || program.defaultQuestion;
  const traceView = new TraceViewExporter();
  const lessonExporter = program.phoenixExporter();
  // What the export itself reports (sent, refused, unreachable) decides what is said about Phoenix.
  const phoenix = lessonExporter ? new ReportingExporter(lessonExporter) : undefined;
  const provider = program.setupTracing({ exporters: phoenix ? [traceView, phoenix] : [traceView] });
  const model = await connectModel();
  console.log(chalk.dim(`model: ${model.model} via ${model.provider} (${model.baseUrl})`));
  console.log(`${chalk.bold("you:")} ${question}`);
  try {
    const reply = await program.chatTurn(model, question);
    console.log(`${chalk.bold("bot:")} ${reply}`);
  } catch (error) {
    console.error(chalk.red(`The chat turn threw: ${describeThrown(error)}`));
    process.exitCode = 1;
  } finally {
    // Shutting the provider down flushes every pending span to every exporter.
    await provider.shutdown().catch((error: unknown) => console.error(chalk.yellow(`Flushing spans failed: ${String(error)}`)));
    await model.close();
  }

  console.log(`\n${chalk.bold("spans:")}`);
  if (traceView.spans.length === 0) {
    console.log(chalk.dim("  (no spans were recorded: is the tracer provider registered, and is every span ended?)"));
  } else {
    console.log(traceView.render().replace(/^/gm, "  "));
  }
  if (phoenix) await printPhoenixLink(traceView, phoenix);
}

/** Passes every export on, and remembers the first failure (an HTTP status when the collector answered). */
export class ReportingExporter implements SpanExporter {
  exported = 0;
  failure: (Error & { code?: number }) | undefined;

  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) this.exported += spans.length;
      else this.failure ??= (result.error as (Error & { code?: number }) | undefined) ?? new Error("the export failed");
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

/**
 * When the spans did not get to Phoenix, says why and what to set (instead of a link to
 * nothing), marks the run failed, and returns true.
 */
export function reportRefusedExport(phoenix: ReportingExporter): boolean {
  if (!phoenix.failure) return false;
  const rawBaseUrl = phoenixBaseUrl();
  const status = phoenix.failure.code;
  const detail = redactUrlCredentials(phoenix.failure.message.split("\n")[0] ?? "");
  const why =
    status === 401 || status === 403
      ? `Phoenix refused the spans. ${phoenixAuthAdvice(status, phoenixHeaders({ url: rawBaseUrl }))}`
      : typeof status === "number"
        ? `Phoenix answered HTTP ${status} to the spans (${detail}): check PHOENIX_COLLECTOR_ENDPOINT.`
        : `The spans could not be sent to ${redactUrlCredentials(rawBaseUrl)} (${detail}): is Phoenix running (\`npm run phoenix\`)?`;
  // An error, on stderr with the others: stdout keeps the run's reply and spans.
  console.error(`\n${chalk.bold.red("phoenix:")} ${chalk.red(why)}`);
  process.exitCode = 1;
  return true;
}

/** The spans grouped by trace, in the order the traces started. */
export function spansByTrace(spans: readonly ReadableSpan[]): ReadableSpan[][] {
  const traces = new Map<string, ReadableSpan[]>();
  const ordered = [...spans].sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  for (const span of ordered) {
    const traceId = span.spanContext().traceId;
    traces.set(traceId, [...(traces.get(traceId) ?? []), span]);
  }
  return [...traces.values()];
}

/** Where the run's trace went in Phoenix (a link to it), or why it did not get there. */
export async function printPhoenixLink(traceView: TraceViewExporter, phoenix: ReportingExporter): Promise<void> {
  const root = traceView.spans.find((span) => !span.parentSpanContext);
  const rawBaseUrl = phoenixBaseUrl();
  const baseUrl = redactUrlCredentials(rawBaseUrl); // for display
  const projectName = process.env.PHOENIX_PROJECT_NAME || "openinference-workbook";
  if (!root) return;
  const traceId = root.spanContext().traceId;
  const headers = phoenixHeaders({ url: rawBaseUrl });
  if (reportRefusedExport(phoenix)) return;
  // The spans were taken. Phoenix stores them in the background, so a new project can take a
  // moment to appear: ask again a few times, but only while the server answers as Phoenix does
  // (another OTLP collector has no /v1/projects: no point asking it again).
  let url: string | undefined;
  for (let attempt = 0; attempt < 5 && !url; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 300));
    url = await phoenixTraceUrl(rawBaseUrl, projectName, traceId, headers).catch(() => undefined);
    if (!url && lastLookupAnswer(rawBaseUrl, projectName) !== "phoenix") break;
  }
  console.log(`\n${chalk.bold("phoenix:")} ${url ?? `${baseUrl} (project "${projectName}", trace ${traceId})`}`);
}
