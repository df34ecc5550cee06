// What `npx tsx lessons/07-.../chatbot.ts "q1" "q2" ...` does from lesson 7 on: set up tracing
// with the lesson's own setupTracing, run one conversation (one session) of several turns,
// then print the replies and each turn's span tree (each turn is its own trace).
// From lesson 8 on (`streams: true`) the reply is printed as it arrives, and Ctrl-C stops the
// answer being streamed (the chat turn gets an aborted signal); a second Ctrl-C quits.
import chalk from "chalk";
import type { BasicTracerProvider, SpanExporter } from "@opentelemetry/sdk-trace-base";
import { connectModel, type ModelConnection } from "../chatbot/connect-model.ts";
import { TraceViewExporter } from "../trace-view/trace-view-exporter.ts";
import { renderSpanTree } from "../trace-view/render-tree.ts";
import { redactUrlCredentials } from "../phoenix/url-credentials.ts";
import { phoenixBaseUrl } from "../phoenix/trace-link.ts";
import { ReportingExporter, reportRefusedExport, spansByTrace, describeThrown } from "./run-lesson.ts";

export interface ConversationProgram<Conversation extends { sessionId: string; userId: string }> {
  setupTracing(options: { exporters: SpanExporter[] }): BasicTracerProvider;
  /** the lesson's Phoenix exporter, or undefined when PHOENIX_COLLECTOR_ENDPOINT is not set */
  phoenixExporter(): SpanExporter | undefined;
  newConversation(): Conversation;
  chatTurn(model: ModelConnection, conversation: Conversation, userMessage: string, options?: StreamingTurnOptions): Promise<string>;
  /** the chat turn takes StreamingTurnOptions: print the text as it arrives, stop it on Ctrl-C */
  streams?: boolean;
  /** the questions asked when none are given on the command line */
  defaultQuestions: string[];
}

export interface StreamingTurnOptions {
  onText?: (text: string) => void;
  signal?: AbortSignal;
}

/** Each argument is one turn: `chatbot.ts "What's the weather in Paris?" "And in London?"`. */
export async function runConversationLesson<Conversation extends { sessionId: string; userId: string }>(
  program: ConversationProgram<Conversation>,
  argv = process.argv.slice(2),
): Promise<void> {
  const given = argv.map((question) => question.trim()).filter(Boolean);
  const questions = given.length > 0 ? given : program.defaultQuestions;
  const traceView = new TraceViewExporter();
  // What the export itself reports (sent, refused, unreachable) decides what is said about Phoenix.
  const lessonExporter = program.phoenixExporter();
  const phoenix = lessonExporter ? new ReportingExporter(lessonExporter) : undefined;
  const provider = program.setupTracing({ exporters: phoenix ? [traceView, phoenix] : [traceView] });
  const model = await connectModel();
  const conversation = program.newConversation();
  console.log(chalk.dim(`model: ${model.model} via ${model.provider} (${model.baseUrl})`));
  console.log(chalk.dim(`session: ${conversation.sessionId}, user: ${conversation.userId}`));
  try {
    for (const question of questions) {
      console.log(`${chalk.bold("you:")} ${question}`);
      if (program.streams) {
        await streamedTurn(program, model, conversation, question);
      } else {
        const reply = await program.chatTurn(model, conversation, question);
        console.log(`${chalk.bold("bot:")} ${reply}`);
      }
    }
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
  }
  for (const [index, spans] of spansByTrace(traceView.spans).entries()) {
    console.log(chalk.dim(`  trace ${index + 1} (${spans[0]!.spanContext().traceId}):`));
    console.log(renderSpanTree(spans).replace(/^/gm, "    "));
  }
  if (phoenix && !reportRefusedExport(phoenix)) {
    const projectName = process.env.PHOENIX_PROJECT_NAME || "openinference-workbook";
    console.log(`\n${chalk.bold("phoenix:")} ${redactUrlCredentials(phoenixBaseUrl())}: project "${projectName}", Sessions tab, session ${conversation.sessionId}`);
  }
}

/** One turn whose reply is printed as it arrives; Ctrl-C during it stops the answer. */
async function streamedTurn<Conversation extends { sessionId: string; userId: string }>(
  program: ConversationProgram<Conversation>,
  model: ModelConnection,
  conversation: Conversation,
  question: string,
): Promise<void> {
  const stop = new AbortController();
  const onInterrupt = () => {
    if (stop.signal.aborted) process.exit(130); // the second Ctrl-C quits
    stop.abort();
  };
  process.on("SIGINT", onInterrupt);
  process.stdout.write(`${chalk.bold("bot:")} `);
  let shown = "";
  try {
    const reply = await program.chatTurn(model, conversation, question, {
      onText: (text) => {
        shown += text;
        process.stdout.write(text);
      },
      signal: stop.signal,
    });
    if (stop.signal.aborted) process.stdout.write(chalk.dim(`${shown.endsWith(" ") ? "" : " "}[stopped]`));
    // A reply that is not what streamed (an apology after a failure) is printed after it.
    if (reply !== shown) process.stdout.write(shown === "" ? reply : `\n${chalk.bold("bot:")} ${reply}`);
    process.stdout.write("\n");
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

