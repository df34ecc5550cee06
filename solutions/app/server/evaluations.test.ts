// Lesson 10's evaluations in the app: each answer (plain and streamed) judged once sent, by code
// and by the app's own model, each run an EVALUATOR span under the SERVER span and each verdict a
// CODE / LLM annotation on the span the answer names, in a Phoenix stand-in that checks every body
// against Phoenix's own schema. And what production adds: the answer never waits for a judge (a
// judge that holds its requests), a bound on judgings at once, Phoenix down or refusing said once,
// nothing judged when the turn was not recorded.
import { context, SpanKind, SpanStatusCode, trace, type Sampler } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { AlwaysOffSampler, BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
} from "@arizeai/openinference-semantic-conventions";
import type { FastifyInstance } from "fastify";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { connectModel, type ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import { startHeldJudge, type HeldJudge } from "../../../shared/testing/held-judge.ts";
import { startPhoenixStandIn, type PhoenixStandIn } from "../../../shared/testing/phoenix-stand-in/phoenix-stand-in.ts";
import type { ChatResponse } from "../api.ts";
import { readConfig } from "./config.ts";
import { createEvaluations, namesEveryCity, type Evaluations, type EvaluationsOptions } from "./evaluations.ts";
import { serverSampler } from "./tracing.ts";
import { closedPortUrl } from "./test-support/closed-port.ts";

const KIND = SemanticConventions.OPENINFERENCE_SPAN_KIND;
const QUESTION = "What's the weather in Paris and in Tokyo?";
const REPLY = "In Paris it is 18°C and sunny. In Tokyo it is 22°C and cloudy.";

// The app's sampler, which a test can switch off: a turn that is not recorded names no span.
let recording = true;
const appSampler = serverSampler({})!;
const switchable: Sampler = {
  shouldSample: (...args) => (recording ? appSampler : new AlwaysOffSampler()).shouldSample(...args),
  toString: () => "switchable",
};
const spans = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ sampler: switchable, spanProcessors: [new SimpleSpanProcessor(spans)] }));
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
const { buildServer } = await import("./server.ts");

let model: ModelConnection;
let phoenix: PhoenixStandIn;
let judge: HeldJudge;
const warnings: string[] = [];
/** Unhandled rejections while a test ran: a Phoenix failure thrown into the server would end it. */
const unhandled: unknown[] = [];
const noteUnhandled = (reason: unknown) => unhandled.push(reason);
const started: Array<{ app: FastifyInstance; evaluations: Evaluations }> = [];

beforeAll(async () => {
  model = await connectModel({ env: {} });
  phoenix = await startPhoenixStandIn();
  process.on("unhandledRejection", noteUnhandled);
});
afterAll(async () => {
  process.off("unhandledRejection", noteUnhandled);
  await phoenix.close();
  await model.close();
});
beforeEach(async () => {
  spans.reset();
  phoenix.reset();
  phoenix.refuse(undefined);
  warnings.length = 0;
  unhandled.length = 0;
  recording = true;
  judge = await startHeldJudge(model.baseUrl);
});
afterEach(async () => {
  await judge.close();
  for (const { app, evaluations } of started.splice(0)) {
    await evaluations.settled();
    await app.close();
  }
  expect(unhandled, "no unhandled promise rejection").toEqual([]);
});

/** The app with its evaluations; the judge is held unless `released` (the default). */
async function startApp(options: Partial<EvaluationsOptions> = {}, { released = true, phoenixUrl = phoenix.url } = {}) {
  if (released) judge.release();
  const phoenixConnection = { url: phoenixUrl, headers: { authorization: "Bearer phoenix-key" } };
  const evaluations = createEvaluations({
    judge: judge.model,
    phoenix: phoenixConnection,
    maxConcurrent: 4,
    timeoutMs: 5000,
    warn: (message) => warnings.push(message),
    ...options,
  });
  const app = await buildServer({
    config: { phoenixUrl, phoenixApiKey: undefined, phoenixHeaders: phoenixConnection.headers, projectName: "evaluations-tests", modelTimeoutMs: 5000 },
    model,
    flushSpans: async () => {},
    log: () => {},
    evaluations,
  });
  started.push({ app, evaluations });
  return { app, evaluations };
}

async function ask(app: FastifyInstance, content = QUESTION): Promise<ChatResponse> {
  const response = await app.inject({ method: "POST", url: "/api/chat", payload: { messages: [{ role: "user", content }], sessionId: "session-evals" } });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<ChatResponse>();
}

/** The done event's data of a streamed answer. */
async function askStreamed(app: FastifyInstance, content = QUESTION): Promise<ChatResponse> {
  const response = await app.inject({ method: "POST", url: "/api/chat/stream", payload: { messages: [{ role: "user", content }], sessionId: "session-evals" } });
  expect(response.statusCode, response.body).toBe(200);
  const done = /event: done\ndata: (.*)\n/.exec(response.body);
  expect(done, response.body).not.toBeNull();
  return JSON.parse(done![1]!) as ChatResponse;
}

function evaluatorSpans(traceId: string): ReadableSpan[] {
  return spans.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId && span.attributes[KIND] === OpenInferenceSpanKind.EVALUATOR);
}

/** Both evaluators' spans under the answer's SERVER span, and both verdicts on it in Phoenix. */
function expectJudged(answer: ChatResponse) {
  const server = spans.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER && span.spanContext().traceId === answer.traceId);
  expect(server?.spanContext().spanId, "the answer names its SERVER span").toBe(answer.spanId);
  const evaluators = evaluatorSpans(answer.traceId!);
  expect(evaluators.map((span) => span.name).sort()).toEqual(["answers_the_question", "names_every_city"]);
  for (const span of evaluators) {
    expect(span.parentSpanContext?.spanId, `${span.name}: a child of the SERVER span`).toBe(answer.spanId);
    expect(JSON.parse(String(span.attributes[INPUT_VALUE])), `${span.name}: what was judged`).toEqual({ question: QUESTION, reply: REPLY });
    expect(span.attributes[INPUT_MIME_TYPE]).toBe(MimeType.JSON);
    expect(span.attributes[OUTPUT_MIME_TYPE]).toBe(MimeType.JSON);
    expect(span.attributes[SemanticConventions.SESSION_ID], `${span.name}: the session, as on every span of the turn`).toBe("session-evals");
    expect(span.status.code, `${span.name}: ${span.status.message}`).toBe(SpanStatusCode.OK);
  }
  const output = (name: string) => JSON.parse(String(evaluators.find((span) => span.name === name)!.attributes[OUTPUT_VALUE]));
  expect(output("names_every_city")).toMatchObject({ label: "complete", score: 1 });
  expect(output("answers_the_question")).toMatchObject({ label: "answered", score: 1 });

  expect(phoenix.requests.flatMap((request) => request.problems), "every body fits Phoenix's schema").toEqual([]);
  const annotations = phoenix.annotations().map(({ span_id, name, annotator_kind, result }) => ({ span_id, name, annotator_kind, label: result?.label, score: result?.score }));
  expect(annotations.sort((a, b) => a.name.localeCompare(b.name))).toEqual([
    { span_id: answer.spanId, name: "answers_the_question", annotator_kind: "LLM", label: "answered", score: 1 },
    { span_id: answer.spanId, name: "names_every_city", annotator_kind: "CODE", label: "complete", score: 1 },
  ]);
  expect(phoenix.annotations().every((annotation) => annotation.result?.explanation), "each verdict explained").toBe(true);
  expect(phoenix.requests.every((request) => request.headers.authorization === "Bearer phoenix-key"), "with the app's Phoenix headers").toBe(true);
}

describe("each answer judged once sent", () => {
  it("POST /api/chat: two EVALUATOR spans under the SERVER span, and the verdicts (CODE, LLM) on the span the answer names", async () => {
    const { app, evaluations } = await startApp();
    const answer = await ask(app);
    await evaluations.settled();
    expectJudged(answer);
    expect(warnings).toEqual([]);
  });

  it("POST /api/chat/stream: the same, once the stream has ended", async () => {
    const { app, evaluations } = await startApp();
    const answer = await askStreamed(app);
    await evaluations.settled();
    expectJudged(answer);
  });

  it("the answer never waits for the judge, and the SERVER span has ended before the judge is asked", async () => {
    const { app, evaluations } = await startApp({}, { released: false });
    let serverEndedWhenAsked: boolean | undefined;
    const asked = new Promise<"judge asked">((resolve) => {
      judge.onAsked = () => {
        serverEndedWhenAsked = spans.getFinishedSpans().some((span) => span.kind === SpanKind.SERVER);
        resolve("judge asked");
      };
    });
    const answer = ask(app);
    // Held, the judge never answers: a route that waited for it would never answer either.
    expect(await Promise.race([answer.then(() => "answer" as const), asked]), "the answer came first").toBe("answer");
    await asked;
    expect(serverEndedWhenAsked, "the SERVER span's duration does not count the judge").toBe(true);
    let settled = false;
    const settling = evaluations.settled().then(() => (settled = true));
    expect(settled, "settled() waits for the held judge").toBe(false);
    judge.release();
    await settling;
    expectJudged(await answer);
  });

  it("judging starts once the answer is sent: the SERVER span has ended when an evaluator is called", async () => {
    const calledAfterServerEnded: boolean[] = [];
    const probe = {
      ...namesEveryCity,
      evaluate: (turn: { question: string; reply: string }) => {
        // The active span is the EVALUATOR span: its trace is the answer's.
        const traceId = trace.getActiveSpan()?.spanContext().traceId;
        calledAfterServerEnded.push(spans.getFinishedSpans().some((span) => span.kind === SpanKind.SERVER && span.spanContext().traceId === traceId));
        return namesEveryCity.evaluate(turn);
      },
    };
    const { app, evaluations } = await startApp({ evaluators: [probe] });
    await ask(app);
    await askStreamed(app);
    await evaluations.settled();
    expect(calledAfterServerEnded).toEqual([true, true]);
  });

  it("not when the turn was not recorded: no span to annotate", async () => {
    const { app, evaluations } = await startApp();
    recording = false;
    const answer = await ask(app);
    expect(answer.spanId).toBeUndefined();
    expect(evaluations.counts()).toEqual({ underWay: 0, skipped: 0 });
    await evaluations.settled();
    expect(judge.asked).toBe(0);
    expect(phoenix.requests).toEqual([]);
  });
});

describe("in production", () => {
  it("at most APP_MAX_CONCURRENT_JUDGINGS at once: one more is skipped, counted (GET /healthz) and said once", async () => {
    const { app, evaluations } = await startApp({ maxConcurrent: 1 }, { released: false });
    const asked = new Promise<void>((resolve) => (judge.onAsked = resolve));
    const first = await ask(app);
    await asked;
    await ask(app, "And in London?");
    await ask(app, "And in Paris?");
    expect(evaluations.counts()).toEqual({ underWay: 1, skipped: 2 });
    expect((await app.inject({ method: "GET", url: "/healthz" })).json()).toMatchObject({ evaluations: { underWay: 1, skipped: 2 } });
    expect(warnings, "said once").toHaveLength(1);
    expect(warnings[0]).toMatch(/APP_MAX_CONCURRENT_JUDGINGS/);
    judge.release();
    await evaluations.settled();
    expect(new Set(phoenix.annotations().map((annotation) => annotation.span_id)), "only the first answer judged").toEqual(new Set([first.spanId]));
  });

  it("Phoenix not running: the verdicts are traced, one warning says why, the chat goes on", async () => {
    const { app, evaluations } = await startApp({}, { phoenixUrl: await closedPortUrl() });
    const first = await ask(app);
    await evaluations.settled();
    await ask(app, "And in London?");
    await evaluations.settled();
    expect(warnings, "one warning for two answers' four verdicts").toHaveLength(1);
    expect(warnings[0]).toMatch(/Phoenix is not reachable at http:\/\/127\.0\.0\.1:\d+ .*the verdicts were not saved/);
    expect(evaluatorSpans(first.traceId!).map((span) => span.status.code)).toEqual([SpanStatusCode.OK, SpanStatusCode.OK]);
  });

  it("Phoenix refusing (401): one warning about the key, the chat goes on", async () => {
    phoenix.refuse(401);
    const { app, evaluations } = await startApp();
    await ask(app);
    await evaluations.settled();
    await ask(app, "And in London?");
    await evaluations.settled();
    expect(phoenix.requests.length, "Phoenix was asked").toBeGreaterThan(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/The verdicts were not saved in Phoenix\..*(API key|PHOENIX_API_KEY)/);
    expect(warnings[0]).not.toContain("phoenix-key");
  });

  it("a failing judge: an ERROR EVALUATOR span with its exception, no verdict logged for it, the code evaluator's still", async () => {
    const failing = { name: "answers_the_question", kind: "LLM" as const, evaluate: () => Promise.reject(new Error("The judge model answered HTTP 500.")) };
    const { app, evaluations } = await startApp({ evaluators: [namesEveryCity, failing] });
    const answer = await ask(app);
    await evaluations.settled();
    const judged = evaluatorSpans(answer.traceId!).find((span) => span.name === "answers_the_question")!;
    expect(judged.status).toEqual({ code: SpanStatusCode.ERROR, message: "The judge model answered HTTP 500." });
    expect(judged.events.map((event) => event.name)).toEqual(["exception"]);
    expect(phoenix.annotations().map((annotation) => annotation.name)).toEqual(["names_every_city"]);
    expect(warnings).toEqual([]);
  });

  it("a judge that never answers is given up after the timeout: an ERROR EVALUATOR span, and the judging ends", async () => {
    // A judge that never answers (not the held judge: its request, released at the end, would
    // outlive the test and meet a closed offline model).
    const silent = { name: "answers_the_question", kind: "LLM" as const, evaluate: () => new Promise<never>(() => {}) };
    const { app, evaluations } = await startApp({ timeoutMs: 50, evaluators: [namesEveryCity, silent] });
    const answer = await ask(app);
    // The judge never answers: settled() resolves only because the evaluator was given up.
    await evaluations.settled();
    const judged = evaluatorSpans(answer.traceId!).find((span) => span.name === "answers_the_question")!;
    expect(judged.status).toEqual({ code: SpanStatusCode.ERROR, message: "The evaluator answers_the_question took longer than 50 ms (MODEL_TIMEOUT_MS)." });
    expect(phoenix.annotations().map((annotation) => annotation.name)).toEqual(["names_every_city"]);
    expect(evaluations.counts().underWay).toBe(0);
  });

  it("APP_EVALUATIONS=off turns them off; APP_MAX_CONCURRENT_JUDGINGS bounds them; a typo is refused", () => {
    expect(readConfig({}).evaluations).toBe(true);
    expect(readConfig({ APP_EVALUATIONS: "off" }).evaluations).toBe(false);
    expect(readConfig({ APP_MAX_CONCURRENT_JUDGINGS: "2" }).maxConcurrentJudgings).toBe(2);
    expect(() => readConfig({ APP_EVALUATIONS: "of" })).toThrow(/APP_EVALUATIONS must be on or off, not "of"/);
  });
});
