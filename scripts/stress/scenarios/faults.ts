// Faults: the model fails (500, 429, a malformed body, too slow, the connection cut), the client
// hangs up mid-answer, a tool throws. Each answer has the status the app's README gives it, and
// every span of the turn arrives at the collector (so it was ended) with the right status and
// its exception: nothing is left open by an error path.
import { startCollector } from "../collector.ts";
import { runPool } from "../pool.ts";
import { startApp } from "../processes.ts";
import { exchange } from "../../../shared/testing/raw-http.ts";
import { countStatus, newResult, type ScenarioResult } from "../report.ts";
import { seededRandom } from "../seeded-random.ts";
import { spansByTrace, traceProblems, withRetrieval, type ExpectedSpan } from "../span-checks.ts";
import { appEnv, finishApp, secretList, type StressContext } from "../stress-context.ts";
import { answerText, leakIn, streamEvents } from "../answer-checks.ts";

/** The app's MODEL_TIMEOUT_MS here: a model slower than this is a 504. */
const MODEL_TIMEOUT_MS = 1500;

interface FaultCase {
  name: string;
  question: string;
  /** "/api/chat" unless said: "/api/chat/stream" for the streamed answer */
  path?: string;
  /** the conversation before the question (none unless said) */
  history?: Array<{ role: "user" | "assistant"; content: string }>;
  /** a 200 stream must end with this event */
  streamEnd?: "done" | "error";
  /** the client hangs up once it has read an event of the stream */
  hangUpMidStream?: boolean;
  /** the answer's status; undefined: the client hangs up before any answer */
  status?: number;
  /** the client closes the connection this long after sending */
  hangUpAfterMs?: number;
  /** the body is sent only in part, then the client hangs up */
  partialBody?: boolean;
  /** faults for the model's queue (POST /_offline/faults), for the next model calls: run alone */
  queue?: string[];
  spans: ExpectedSpan[];
}

const failedTurn = (exception: RegExp): ExpectedSpan[] => [
  { name: "SERVER", status: "ERROR" },
  { name: "chat_turn", status: "ERROR", exception },
  { name: "ChatCompletion", status: "ERROR", exception },
];

const CASES: FaultCase[] = [
  { name: "model HTTP 500", question: "hello [[fault:http-500]]", status: 502, spans: failedTurn(/^ModelApiError$/) },
  { name: "model HTTP 429", question: "hello [[fault:http-429]]", status: 502, spans: failedTurn(/^ModelApiError$/) },
  { name: "model body malformed", question: "hello [[fault:malformed]]", status: 502, spans: failedTurn(/^ModelResponseError$/) },
  { name: "model too slow", question: `hello [[fault:slow=${MODEL_TIMEOUT_MS * 3}]]`, status: 504, spans: failedTurn(/^ModelTimeoutError$/) },
  { name: "model connection cut", question: "hello [[fault:stream-abort]]", status: 502, spans: failedTurn(/^ModelConnection(Cut)?Error$/) },
  {
    name: "model slow, in time",
    question: `hello [[fault:slow=${MODEL_TIMEOUT_MS / 5}]]`,
    status: 200,
    spans: [{ name: "SERVER", status: "OK" }, { name: "chat_turn", status: "OK" }, { name: "ChatCompletion", status: "OK" }],
  },
  {
    name: "client hangs up mid-answer",
    question: `hello [[fault:slow=${MODEL_TIMEOUT_MS - 200}]]`,
    hangUpAfterMs: 300,
    spans: failedTurn(/^TurnCancelledError$/),
  },
  { name: "client hangs up mid-body", question: "hello", partialBody: true, hangUpAfterMs: 300, spans: [{ name: "SERVER", status: "ERROR" }] },
  {
    name: "tool throws (unknown city)",
    question: "What's the weather in Atlantis?",
    status: 200,
    spans: [
      { name: "SERVER", status: "OK" },
      { name: "chat_turn", status: "OK" },
      { name: "ChatCompletion", status: "OK" },
      { name: "get_weather", status: "ERROR", exception: /^Error$/ },
      { name: "ChatCompletion", status: "OK" },
    ],
  },
  {
    name: "tool throws (bad expression)",
    question: "calculate 2 + banana",
    status: 200,
    spans: [
      { name: "SERVER", status: "OK" },
      { name: "chat_turn", status: "OK" },
      { name: "ChatCompletion", status: "OK" },
      { name: "calculate", status: "ERROR", exception: /Error$/ },
      { name: "ChatCompletion", status: "OK" },
    ],
  },
  // The streamed answer (POST /api/chat/stream): a failure before the first piece is the same JSON
  // answer; once the 200 is out, an error event says what went wrong.
  { name: "stream: model HTTP 500", path: "/api/chat/stream", question: "hello [[fault:http-500]]", status: 502, spans: failedTurn(/^ModelApiError$/) },
  { name: "stream: model too slow", path: "/api/chat/stream", question: `hello [[fault:slow=${MODEL_TIMEOUT_MS * 3}]]`, status: 504, spans: failedTurn(/^ModelTimeoutError$/) },
  {
    name: "stream: cut off mid-answer",
    path: "/api/chat/stream",
    question: "hello [[fault:stream-abort]]",
    status: 200,
    streamEnd: "error",
    spans: failedTurn(/^ModelConnectionCutError$/),
  },
  {
    // The answer quotes a long first message: about a second of chunks, and the reader leaves after the first.
    name: "stream: client hangs up mid-answer",
    path: "/api/chat/stream",
    history: [{ role: "user", content: "word ".repeat(3000).trim() }, { role: "assistant", content: "Noted." }],
    question: "What did I ask first?",
    hangUpMidStream: true,
    spans: [{ name: "SERVER", status: "ERROR" }, { name: "chat_turn", status: "OK" }, { name: "ChatCompletion", status: "UNSET", event: "Stream Stopped Event" }],
  },
  {
    // Gone before the first piece: nothing was streamed, the turn stops (not a model failure).
    name: "stream: client hangs up before the first piece",
    path: "/api/chat/stream",
    question: `hello [[fault:slow=${MODEL_TIMEOUT_MS - 200}]]`,
    hangUpAfterMs: 300,
    spans: [{ name: "SERVER", status: "ERROR" }, { name: "chat_turn", status: "OK" }, { name: "ChatCompletion", status: "UNSET", event: "Stream Stopped Event" }],
  },
  {
    name: "stream: tool throws",
    path: "/api/chat/stream",
    question: "What's the weather in Atlantis?",
    status: 200,
    streamEnd: "done",
    spans: [
      { name: "SERVER", status: "OK" },
      { name: "chat_turn", status: "OK" },
      { name: "ChatCompletion", status: "OK" },
      { name: "get_weather", status: "ERROR", exception: /^Error$/ },
      { name: "ChatCompletion", status: "OK" },
    ],
  },
  {
    name: "model fails after a tool ran",
    question: "What's the weather in Paris?",
    queue: ["none", "http-500"],
    status: 502,
    spans: [
      { name: "SERVER", status: "ERROR" },
      { name: "chat_turn", status: "ERROR", exception: /^ModelApiError$/ },
      { name: "ChatCompletion", status: "OK" },
      { name: "get_weather", status: "OK" },
      { name: "ChatCompletion", status: "ERROR", exception: /^ModelApiError$/ },
    ],
  },
];

function chatRequest(fault: FaultCase, traceId: string, spanId: string): Buffer {
  const body = JSON.stringify({ messages: [...(fault.history ?? []), { role: "user", content: fault.question }] });
  return Buffer.from(
    `POST ${fault.path ?? "/api/chat"} HTTP/1.1\r\nHost: 127.0.0.1\r\ntraceparent: 00-${traceId}-${spanId}-01\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export async function faultsScenario(context: StressContext): Promise<ScenarioResult> {
  const result = newResult("faults: model, client, tool");
  const started = Date.now();
  const repeats = context.short ? 2 : 10;
  const random = seededRandom(context.seed + 1);
  const runs = CASES.flatMap((fault) => Array.from({ length: repeats }, () => ({ fault, traceId: random.hex(32), spanId: random.hex(16) })));
  const collector = await startCollector("taking");
  const app = await startApp(appEnv(context, collector.url, { MODEL_TIMEOUT_MS: String(MODEL_TIMEOUT_MS) }));
  const modelRoot = context.modelBaseUrl.replace(/\/v1$/, "");
  const run = async ({ fault, traceId, spanId }: (typeof runs)[number]) => {
    if (fault.queue) {
      const queued = await fetch(`${modelRoot}/_offline/faults`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ faults: fault.queue }) });
      if (queued.status !== 204) result.problems.push(`${fault.name}: the model's fault queue answered ${queued.status}`);
    }
    let bytes = chatRequest(fault, traceId, spanId);
    if (fault.partialBody) bytes = bytes.subarray(0, bytes.length - 10);
    const answer = await exchange(app.port, bytes, {
      timeoutMs: fault.hangUpAfterMs ?? 15_000,
      ...(fault.hangUpMidStream ? { hangUpWhen: (received: Buffer) => received.includes("event: delta") } : {}),
    });
    result.requests += 1;
    countStatus(result, answer.status);
    if (fault.hangUpMidStream) {
      if (answer.failure !== "hung up" || answer.status !== 200) result.problems.push(`${fault.name}: no stream to leave (${answer.status ?? answer.failure})`);
    } else if (fault.status === undefined) {
      if (answer.status !== undefined) result.problems.push(`${fault.name}: an answer (${answer.status}) came before the client hung up`);
    } else if (answer.status !== fault.status) {
      result.problems.push(`${fault.name}: answered ${answer.status ?? answer.failure}, expected ${fault.status}: ${answer.body.toString("utf8").slice(0, 160)}`);
    }
    if ((answer.status ?? 0) >= 500 && answer.status !== fault.status) result.unexpected5xx += 1;
    if (fault.streamEnd && answer.status === 200) {
      const last = streamEvents(answer.body).at(-1);
      if (last?.event !== fault.streamEnd) result.problems.push(`${fault.name}: the stream ended with ${last ? `a ${last.event} event` : "no event"}, expected ${fault.streamEnd}`);
      if (fault.streamEnd === "error" && String((last?.data as { error?: unknown } | undefined)?.error).includes("Something went wrong")) {
        result.unexpected5xx += 1;
        result.problems.push(`${fault.name}: the error event is the app's own 500 sentence: ${JSON.stringify(last?.data)}`);
      }
    }
    const leak = leakIn(answerText(answer), secretList(context));
    if (leak) result.problems.push(`${fault.name}: the answer holds ${leak}`);
  };
  try {
    const deadline = started + (context.short ? 60_000 : 180_000);
    // Marker faults run several at once; the queued ones alone (the queue is the model's, for any caller).
    const outcome = await runPool(runs.filter((entry) => !entry.fault.queue), 8, deadline, run);
    const alone = await runPool(runs.filter((entry) => entry.fault.queue), 1, deadline, run);
    if (outcome.skipped + alone.skipped > 0) result.problems.push(`out of time: ${outcome.skipped + alone.skipped} requests not sent`);
    // The hung-up turns end as soon as the model call is cancelled; give them that moment.
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    await finishApp(result, app, context);
    await collector.close();
  }

  const byTrace = spansByTrace(collector.spans);
  let expected = 0;
  let received = 0;
  for (const { fault, traceId } of runs) {
    const spans = byTrace.get(traceId) ?? [];
    const want = withRetrieval(fault.spans, spans);
    expected += want.length;
    received += Math.min(spans.length, want.length);
    for (const problem of traceProblems(spans, want)) result.problems.push(`${fault.name} (trace ${traceId.slice(0, 8)}): ${problem}`);
  }
  result.spans = { expected, received };
  if (collector.decodeErrors.length > 0) result.problems.push(`${collector.decodeErrors.length} exports could not be decoded: ${collector.decodeErrors[0]}`);
  result.notes.push(`${CASES.length} faults × ${repeats}; MODEL_TIMEOUT_MS=${MODEL_TIMEOUT_MS}`);
  result.ms = Date.now() - started;
  return result;
}
