// SIGTERM mid-burst: questions keep coming, several at once, and the app is told to stop part
// way through. Every request it accepted (answered with its trace id, or cancelled with it) must
// have all of its turn's spans at the collector before the app exits; requests it refused while
// stopping (a 503, or the connection refused once it has closed) are fine.
import { startCollector } from "../collector.ts";
import { runPool } from "../pool.ts";
import { startApp } from "../processes.ts";
import { exchange, type RawAnswer } from "../../../shared/testing/raw-http.ts";
import { countStatus, newResult, type ScenarioResult } from "../report.ts";
import { seededRandom } from "../seeded-random.ts";
import { spansByTrace, traceProblems, withRetrieval, type ExpectedSpan } from "../span-checks.ts";
import { streamEvents } from "../answer-checks.ts";
import { appEnv, finishApp, type StressContext } from "../stress-context.ts";

interface Question {
  text: string;
  /** the spans of its turn when answered */
  spans: ExpectedSpan[];
}

const ok = (name: string): ExpectedSpan => ({ name, status: "OK" });
const QUESTIONS: Question[] = [
  { text: "hello", spans: [ok("SERVER"), ok("chat_turn"), ok("ChatCompletion")] },
  { text: "What's the weather in Paris and in Tokyo?", spans: [ok("SERVER"), ok("chat_turn"), ok("ChatCompletion"), ok("get_weather"), ok("get_weather"), ok("ChatCompletion")] },
  { text: "calculate 12 * 7", spans: [ok("SERVER"), ok("chat_turn"), ok("ChatCompletion"), ok("calculate"), ok("ChatCompletion")] },
];
/** A turn cancelled because the app stopped before its answer was ready (it answers 503 with its trace id). */
const CANCELLED: ExpectedSpan[] = [
  { name: "SERVER", status: "ERROR" },
  { name: "chat_turn", status: "ERROR", exception: /^TurnCancelledError$/ },
  { name: "ChatCompletion", status: "ERROR", exception: /^TurnCancelledError$/ },
];

/** A streamed turn the stop cut short after its first pieces: not a model failure (lesson 8), the reader just left. */
const STREAM_CANCELLED: ExpectedSpan[] = [
  { name: "SERVER", status: "ERROR" },
  { name: "chat_turn", status: "OK" },
  { name: "ChatCompletion", status: "UNSET", event: "Stream Stopped Event" },
];

export async function sigtermScenario(context: StressContext): Promise<ScenarioResult> {
  const result = newResult("SIGTERM mid-burst");
  const started = Date.now();
  const total = context.short ? 80 : 400;
  const random = seededRandom(context.seed + 3);
  // Mostly quick questions, some slow ones (still answered while the app stops), two slower than
  // the 3 s the app gives answers in progress (cancelled, spans and all).
  const burst = Array.from({ length: total }, (_, i) => {
    const question = i % 4 === 3 ? { ...QUESTIONS[0]!, text: `hello [[fault:slow=${random.int(200, 1500)}]]` } : random.pick(QUESTIONS);
    const slowest = i === Math.floor(total * 0.35) || i === Math.floor(total * 0.38);
    // About a third streamed (POST /api/chat/stream): the same spans, the answer as server-sent events.
    const streamed = !slowest && random.next() < 0.3;
    return { question: slowest ? { ...QUESTIONS[0]!, text: "hello [[fault:slow=8000]]" } : question, streamed, traceId: random.hex(32), spanId: random.hex(16) };
  });
  const collector = await startCollector("taking");
  const app = await startApp(appEnv(context, collector.url, { MODEL_TIMEOUT_MS: "20000" }));
  const answers = new Map<(typeof burst)[number], { answer: RawAnswer; afterSignal: boolean }>();
  let signalledAt = 0;
  let answered = 0;
  try {
    await runPool(burst, 24, started + (context.short ? 40_000 : 120_000), async (entry) => {
      const body = JSON.stringify({ messages: [{ role: "user", content: entry.question.text }] });
      const request = Buffer.from(
        `POST ${entry.streamed ? "/api/chat/stream" : "/api/chat"} HTTP/1.1\r\nHost: 127.0.0.1\r\ntraceparent: 00-${entry.traceId}-${entry.spanId}-01\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
      const sentAfterSignal = signalledAt > 0;
      const answer = await exchange(app.port, request, { timeoutMs: 30_000 });
      answers.set(entry, { answer, afterSignal: sentAfterSignal || signalledAt > 0 });
      result.requests += 1;
      countStatus(result, answer.status);
      answered += 1;
      if (signalledAt === 0 && answered >= total * 0.4) {
        signalledAt = Date.now();
        app.process.kill("SIGTERM");
      }
    });
    if (signalledAt === 0) result.problems.push("the burst ended before the signal was sent");
  } finally {
    await finishApp(result, app, context, { signalled: signalledAt > 0 });
    await collector.close();
  }

  const byTrace = spansByTrace(collector.spans);
  let expected = 0;
  let received = 0;
  let refused = 0;
  let cancelled = 0;
  let accepted = 0;
  for (const [entry, { answer, afterSignal }] of answers) {
    const traceId = traceIdOf(answer);
    let spans: ExpectedSpan[] | undefined;
    const streamEnd = entry.streamed && answer.status === 200 ? streamEvents(answer.body).at(-1) : undefined;
    if (streamEnd && streamEnd.event !== "done") {
      // A stream the stop cut short: its turn ends with what had arrived (an error event tells the client why).
      if (streamEnd.event === "error" && traceId) {
        spans = STREAM_CANCELLED;
        cancelled += 1;
      } else result.problems.push(`"${entry.question.text}" (streamed): the stream ended with ${streamEnd.event}: ${JSON.stringify(streamEnd.data).slice(0, 120)}`);
    } else if (answer.status === 200) spans = entry.question.spans;
    else if (answer.status === 503 && traceId) {
      spans = CANCELLED;
      cancelled += 1;
    } else if (afterSignal && (answer.status === 503 || answer.failure === "refused" || answer.failure === "reset" || answer.failure === "closed")) {
      refused += 1;
    } else {
      if ((answer.status ?? 0) >= 500) result.unexpected5xx += 1;
      result.problems.push(`${afterSignal ? "after" : "before"} the signal, "${entry.question.text}" got ${answer.status ?? answer.failure}: ${answer.body.toString("utf8").slice(0, 120)}`);
    }
    if (!spans) continue;
    accepted += 1;
    if (traceId && traceId !== entry.traceId) result.problems.push(`an answer names trace ${traceId}, not its traceparent's ${entry.traceId}`);
    const arrived = byTrace.get(entry.traceId) ?? [];
    spans = withRetrieval(spans, arrived, { cancelled: spans === CANCELLED });
    expected += spans.length;
    received += Math.min(arrived.length, spans.length);
    for (const problem of traceProblems(arrived, spans)) result.problems.push(`"${entry.question.text}" (trace ${entry.traceId.slice(0, 8)}): ${problem}`);
  }
  result.spans = { expected, received };
  if (collector.decodeErrors.length > 0) result.problems.push(`${collector.decodeErrors.length} exports could not be decoded: ${collector.decodeErrors[0]}`);
  result.notes.push(
    `SIGTERM after ${Math.round(total * 0.4)} of ${total} answers (24 at once, about a third streamed); accepted ${accepted}, ` +
      `of which ${cancelled} cancelled by the stop; refused while stopping ${refused}; exit ${app.process.exitCode ?? app.process.signalCode} ${signalledAt ? `${Date.now() - signalledAt} ms after the signal` : ""}`,
  );
  result.ms = Date.now() - started;
  return result;
}

/** The trace id an answer names: in its JSON body, or in a stream's last event. */
function traceIdOf(answer: RawAnswer): string | undefined {
  if (answer.headers["content-type"]?.startsWith("text/event-stream")) {
    const data = streamEvents(answer.body).at(-1)?.data as { traceId?: unknown } | undefined;
    return typeof data?.traceId === "string" ? data.traceId : undefined;
  }
  try {
    const parsed = JSON.parse(answer.body.toString("utf8")) as { traceId?: unknown };
    return typeof parsed.traceId === "string" ? parsed.traceId : undefined;
  } catch {
    return undefined;
  }
}
