// Fuzz: malformed requests to every route (see fuzz-cases.ts), several at a time. Every answer
// must be a 4xx with a JSON `{ error }` sentence (or the success an odd-but-valid request earns),
// never a 5xx, a stack trace or a secret; the app must not crash; and every request that reached
// the chat route must have its SERVER span ended and sent.
import { answerText, errorBodyProblem, leakIn, streamProblem } from "../answer-checks.ts";
import { startCollector } from "../collector.ts";
import { fuzzCases, ROUTES, type FuzzCase } from "../fuzz-cases.ts";
import { SPAN_KIND_SERVER } from "../../../shared/testing/otlp-protobuf.ts";
import { runPool } from "../pool.ts";
import { startApp } from "../processes.ts";
import { exchange, type RawAnswer } from "../../../shared/testing/raw-http.ts";
import { countStatus, newResult, type ScenarioResult } from "../report.ts";
import { seededRandom } from "../seeded-random.ts";
import { appEnv, finishApp, secretList, type StressContext } from "../stress-context.ts";

const CONCURRENCY = 8;

export async function fuzzScenario(context: StressContext): Promise<ScenarioResult> {
  const result = newResult("fuzz: malformed requests, every route");
  const started = Date.now();
  const plan = context.short ? { weighted: 1500, huge: 12, cutOff: 6 } : { weighted: 4000, huge: 36, cutOff: 15 };
  const cases = fuzzCases(seededRandom(context.seed), plan);
  const collector = await startCollector("taking");
  const app = await startApp(appEnv(context, collector.url));
  const secrets = secretList(context);
  const problemsByKind = new Map<string, { count: number; example: string }>();
  const problem = (kind: string, fuzzCase: FuzzCase, detail: string) => {
    const known = problemsByKind.get(kind);
    if (known) known.count += 1;
    else problemsByKind.set(kind, { count: 1, example: `${fuzzCase.family} / ${fuzzCase.label} (${fuzzCase.route}): ${detail}\n      request: ${JSON.stringify(fuzzCase.bytes.subarray(0, 160).toString("latin1"))}` });
  };
  const answered = new Map<FuzzCase, RawAnswer>();
  try {
    const outcome = await runPool(cases, CONCURRENCY, started + (context.short ? 90_000 : 300_000), async (fuzzCase) => {
      const answer = await exchange(app.port, fuzzCase.bytes, { timeoutMs: fuzzCase.timeoutMs, head: fuzzCase.head, halfClose: fuzzCase.halfClose });
      answered.set(fuzzCase, answer);
      result.requests += 1;
      countStatus(result, answer.status);
      judge(fuzzCase, answer, secrets, result, problem);
    });
    if (outcome.skipped > 0) result.problems.push(`out of time: ${outcome.skipped} of ${cases.length} requests were not sent`);
    // Still alive, and still answering questions.
    const question = '{"messages":[{"role":"user","content":"hello"}]}';
    const request = `POST /api/chat HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${question.length}\r\nConnection: close\r\n\r\n${question}`;
    const alive = await exchange(app.port, Buffer.from(request), { timeoutMs: 10_000 });
    if (alive.status !== 200) result.problems.push(`after the fuzz, a plain question got ${alive.status ?? alive.failure}, not 200`);
  } finally {
    await finishApp(result, app, context);
    await collector.close();
  }

  // Every request that reached the chat route: its SERVER span ended and arrived.
  const serverSpans = collector.spans.filter((span) => span.kind === SPAN_KIND_SERVER);
  const serverTraces = new Set(serverSpans.map((span) => span.traceId));
  const tracked = [...answered.keys()].filter((fuzzCase) => fuzzCase.traceId);
  const trackedIds = new Set(tracked.map((fuzzCase) => fuzzCase.traceId));
  const mustArrive = tracked.filter((fuzzCase) => fuzzCase.serverSpan === "yes");
  let arrived = 0;
  for (const fuzzCase of tracked) {
    const came = serverTraces.has(fuzzCase.traceId!);
    if (fuzzCase.serverSpan === "yes" && came) arrived += 1;
    if (fuzzCase.serverSpan === "yes" && !came) problem("a SERVER span never arrived", fuzzCase, `answer ${answered.get(fuzzCase)?.status ?? answered.get(fuzzCase)?.failure}`);
    if (fuzzCase.serverSpan === "no" && came) problem("a SERVER span for a request that should not reach the chat route", fuzzCase, `answer ${answered.get(fuzzCase)?.status}`);
  }
  // The requests whose traceparent was the broken part start traces of their own.
  const untrackedCases = [...answered.keys()].filter((fuzzCase) => !fuzzCase.traceId && fuzzCase.serverSpan !== "no");
  const untracked = serverSpans.filter((span) => !trackedIds.has(span.traceId));
  const untrackedSpans = untracked.length;
  // (+ 1: the plain question asked after the fuzz)
  const atLeast = untrackedCases.filter((fuzzCase) => fuzzCase.serverSpan === "yes").length + 1;
  const atMost = atLeast + untrackedCases.filter((fuzzCase) => fuzzCase.serverSpan === "maybe").length;
  if (untrackedSpans < atLeast || untrackedSpans > atMost) {
    const seen = untracked.slice(0, 200).map((span) => `${span.attributes["url.path"]} ${span.attributes["http.response.status_code"] ?? span.status.message}`);
    result.problems.push(`${untrackedSpans} SERVER spans of new traces arrived, expected ${atLeast === atMost ? atLeast : `${atLeast} to ${atMost}`}: ${[...new Set(seen)].join("; ").slice(0, 400)}`);
  }
  result.spans = { expected: mustArrive.length + atLeast, received: arrived + Math.min(untrackedSpans, atLeast) };
  // A session id comes from the body or from baggage, held to the same rule: no span carries one the body would be refused for.
  const badSessions = collector.spans.filter((span) => span.attributes["session.id"] !== undefined && !/^[A-Za-z0-9._:-]{1,128}$/.test(String(span.attributes["session.id"])));
  if (badSessions.length > 0) result.problems.push(`${badSessions.length} spans carry a session.id the app's rule refuses, e.g. ${JSON.stringify(String(badSessions[0]!.attributes["session.id"])).slice(0, 80)}`);
  for (const raw of collector.rawBatches) {
    const leak = secrets.find((secret) => raw.includes(secret));
    if (leak) result.problems.push(`a span holds a secret (${leak.slice(0, 6)}...)`);
  }
  if (collector.decodeErrors.length > 0) result.problems.push(`${collector.decodeErrors.length} exports could not be decoded: ${collector.decodeErrors[0]}`);
  if (!collector.authorizations.has(`Bearer ${context.secrets.phoenixKey}`)) result.problems.push("the exports did not carry PHOENIX_API_KEY: was the secret really set?");

  for (const [kind, { count, example }] of problemsByKind) result.problems.push(`${kind}: ${count}×, e.g. ${example}`);
  const routes = new Set(cases.map((fuzzCase) => fuzzCase.route));
  const missing = ROUTES.filter((route) => !routes.has(route));
  if (missing.length > 0) result.problems.push(`no request aimed at ${missing.join(", ")}`);
  const families = new Map<string, number>();
  for (const fuzzCase of cases) families.set(fuzzCase.family, (families.get(fuzzCase.family) ?? 0) + 1);
  result.notes.push(`seed ${context.seed}; ${[...families].map(([family, count]) => `${family} ${count}`).join(", ")}`);
  result.ms = Date.now() - started;
  return result;
}

function judge(fuzzCase: FuzzCase, answer: RawAnswer, secrets: string[], result: ScenarioResult, problem: (kind: string, fuzzCase: FuzzCase, detail: string) => void): void {
  if (answer.status === undefined) {
    if (!fuzzCase.mayGoUnanswered) problem("no answer", fuzzCase, `the connection ${answer.failure === "timeout" ? "stayed silent" : `was ${answer.failure}`} after ${answer.ms} ms`);
    return;
  }
  const leak = leakIn(answerText(answer), secrets);
  if (leak) problem("an answer that leaks", fuzzCase, `${answer.status} holds ${leak}`);
  if (answer.status >= 500) {
    result.unexpected5xx += 1;
    problem(`a ${answer.status}`, fuzzCase, answer.body.toString("utf8").slice(0, 160));
    return;
  }
  if (answer.status >= 400) {
    const bodyProblem = errorBodyProblem(answer, fuzzCase.head);
    if (bodyProblem) problem(`a ${answer.status} ${bodyProblem.kind}`, fuzzCase, bodyProblem.detail);
    return;
  }
  if (!fuzzCase.okStatuses.includes(answer.status)) problem(`a ${answer.status} for a malformed request`, fuzzCase, answer.body.toString("utf8").slice(0, 120));
  else if (answer.headers["content-type"]?.startsWith("text/event-stream")) {
    const broken = streamProblem(answer.body);
    if (broken) problem("a streamed answer that did not finish", fuzzCase, broken);
  }
}
