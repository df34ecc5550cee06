// What `npx tsx lessons/10-.../chatbot.ts "question"` does from the feedback-and-evals lesson on:
// as the HTTP lesson's run (the lesson's server on a free port of 127.0.0.1, the question through
// the lesson's client, one trace), then it waits for the server's judges and prints each verdict,
// and votes on the answer as a user would: thumbs up, then changed to down, through the server's
// POST /feedback, which records the vote in Phoenix. With PHOENIX_COLLECTOR_ENDPOINT set, the
// votes and verdicts go to that Phoenix as annotations of the answer's span, and the link opens
// the trace; without, the server says that votes need Phoenix, and the verdicts are only traced.
import { randomUUID } from "node:crypto";
import chalk from "chalk";
import { createClient, type PhoenixClient } from "@arizeai/phoenix-client";
import type { BasicTracerProvider, SpanExporter } from "@opentelemetry/sdk-trace-base";
import type { LanguageModel } from "ai";
import { connectModel, type ModelConnection } from "../chatbot/connect-model.ts";
import { splitUrlCredentials } from "../phoenix/url-credentials.ts";
import { phoenixHeaders } from "../phoenix/headers.ts";
import { phoenixBaseUrl } from "../phoenix/trace-link.ts";
import { TraceViewExporter } from "../trace-view/trace-view-exporter.ts";
import { printTraces, stopRun } from "./run-http-lesson.ts";
import { ReportingExporter, printPhoenixLink, describeThrown } from "./run-lesson.ts";

/** A verdict as the lesson's evaluations give it. */
export interface LessonVerdict {
  evaluator: string;
  kind: string;
  label?: string | null;
  score?: number | null;
  explanation?: string | null;
  error?: string;
}

export interface JudgedLessonProgram {
  setupTracing(options: { exporters: SpanExporter[] }): BasicTracerProvider;
  phoenixExporter(): SpanExporter | undefined;
  startChatServer(
    model: ModelConnection,
    options: {
      phoenix?: PhoenixClient;
      judge?: LanguageModel;
      onJudged?(judged: { spanId: string; traceId: string; verdicts: LessonVerdict[] }): void;
      warn?(message: string): void;
    },
  ): Promise<{ url: string; judged(): Promise<void>; close(): Promise<void> }>;
  askChatServer(serverUrl: string, sessionId: string, question: string): Promise<string>;
  defaultQuestion: string;
}

/** The user the run votes as. */
const VOTER = "workbook-learner";

export async function runJudgedLesson(program: JudgedLessonProgram, argv = process.argv.slice(2)): Promise<void> {
  const question = argv.join(" ").trim() || program.defaultQuestion;
  const traceView = new TraceViewExporter();
  const lessonExporter = program.phoenixExporter();
  const phoenixExport = lessonExporter ? new ReportingExporter(lessonExporter) : undefined;
  const provider = program.setupTracing({ exporters: phoenixExport ? [traceView, phoenixExport] : [traceView] });
  const model = await connectModel();
  const phoenix = phoenixExport ? phoenixClient() : undefined;
  const sessionId = randomUUID();
  const judgements: Array<{ spanId: string; verdicts: LessonVerdict[] }> = [];
  console.log(chalk.dim(`model: ${model.model} via ${model.provider} (${model.baseUrl}), also the judge`));
  let server: Awaited<ReturnType<JudgedLessonProgram["startChatServer"]>> | undefined;
  try {
    server = await program.startChatServer(model, {
      phoenix,
      onJudged: (judged) => judgements.push(judged),
      warn: (message) => console.error(chalk.yellow(message)),
    });
    console.log(chalk.dim(`server: POST ${server.url}/chat and /feedback, session ${sessionId}`));
    console.log(`${chalk.bold("you:")} ${question}`);
    const reply = await program.askChatServer(server.url, sessionId, question);
    console.log(`${chalk.bold("bot:")} ${reply}`);
    await server.judged();
    printVerdicts(judgements);
    const judged = judgements[0]?.spanId;
    if (judged) {
      for (const vote of ["up", "down"]) await sendVote(server.url, judged, vote);
    } else {
      console.log(chalk.yellow("No judgement came back, so there is no span to vote on: does the server judge each answer after sending it (onJudged)?"));
    }
  } catch (error) {
    console.error(chalk.red(`The request threw: ${describeThrown(error)}`));
    process.exitCode = 1;
  } finally {
    await stopRun({ server, provider, model });
  }
  printTraces(traceView);
  if (phoenixExport) await printPhoenixLink(traceView, phoenixExport);
}

/** Phoenix's REST API where the spans go (PHOENIX_COLLECTOR_ENDPOINT), with the headers it needs. */
function phoenixClient(): PhoenixClient {
  const rawBaseUrl = phoenixBaseUrl();
  return createClient({
    options: { baseUrl: splitUrlCredentials(rawBaseUrl).url, headers: phoenixHeaders({ url: rawBaseUrl }) },
    // Every setting comes from the workbook's own reading of the environment, above.
    getEnvironmentOptions: () => ({}),
  });
}

function printVerdicts(judgements: Array<{ verdicts: LessonVerdict[] }>): void {
  const verdicts = judgements.flatMap((judgement) => judgement.verdicts);
  if (verdicts.length === 0) console.log(chalk.dim("judges: (no verdicts came back)"));
  for (const verdict of verdicts) {
    const outcome = verdict.error ? chalk.red(`failed: ${verdict.error}`) : `${verdict.label ?? "(no label)"} (score ${verdict.score ?? "none"}): ${verdict.explanation ?? ""}`;
    console.log(`${chalk.bold("judge:")} ${verdict.evaluator} ${chalk.dim(`[${verdict.kind}]`)} ${outcome}`);
  }
}

/** A user's vote, through the server's feedback route, as the app's page sends it. */
async function sendVote(serverUrl: string, spanId: string, vote: string): Promise<void> {
  const response = await fetch(new URL("/feedback", serverUrl), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ spanId, vote, userId: VOTER }),
  });
  const body = (await response.json().catch(() => ({}))) as { error?: string };
  const said = response.ok ? chalk.green(`saved on span ${spanId}`) : chalk.yellow(`HTTP ${response.status}: ${body.error ?? ""}`);
  console.log(`${chalk.bold("vote:")} ${vote} by ${VOTER}: ${said}`);
}
