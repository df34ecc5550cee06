import {
  LLM_INPUT_MESSAGES,
  MESSAGE_CONTENT,
  MESSAGE_ROLE,
  OpenInferenceSpanKind,
} from "@arizeai/openinference-semantic-conventions";
import { beforeAll, describe, it } from "vitest";
import { lessonGroupTitles } from "../../shared/lessons/check-contract.ts";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import { ModelApiError, ModelConnectionError, ModelResponseError, ModelTimeoutError } from "../../shared/chatbot/model-errors.ts";
import type { Fault } from "../../shared/model/faults.ts";
import { useLessonHarness } from "../../shared/testing/lesson-harness.ts";
import { loadLesson } from "../../shared/testing/lesson-module.ts";
import { checkChainSpan } from "../../shared/testing/taught/chain-span.ts";
import { checkFailedModelCall, checkFailedTool, checkFailuresRecorded } from "../../shared/testing/taught/errors.ts";
import { checkLlmSpans } from "../../shared/testing/taught/llm-spans.ts";
import { checkMessages } from "../../shared/testing/taught/messages.ts";
import { checkTools } from "../../shared/testing/taught/tools.ts";
import { tracerSetupChecks } from "../../shared/testing/taught/tracer-setup.ts";

// The harness first: it registers the span capture before the lesson's module gets its tracer.
const harness = useLessonHarness(import.meta.url);
// Test group titles from lessons/lessons.json: "lesson N: ...", "still true from lessons 1 to N-1".
const titles = lessonGroupTitles(harness.lesson);
const { chatTurn } = await loadLesson<typeof import("./chatbot.ts")>(import.meta.url, "chatbot.ts");
const checks = () => harness.checks;

const tracing = await loadLesson<typeof import("./tracing.ts")>(import.meta.url, "tracing.ts");

interface Outcome {
  question: string;
  reply?: string;
  thrown?: unknown;
  model: ModelConnection;
}

/** Runs one turn on a clean slate of spans; a thrown error is kept, not rethrown, so each check can explain it. */
async function turn(question: string, options: { faults?: Fault[]; model?: ModelConnection } = {}): Promise<Outcome> {
  const model = options.model ?? (await harness.connect());
  if (options.faults) harness.offlineModel.injectFaults(...options.faults);
  const { value, thrown } = await harness.run(() => chatTurn(model, question));
  return { question, reply: value, thrown, model };
}

/** Everything lessons 2 to 5 taught, on a turn that may have failed: returns the calls and tool runs. */
function checkEarlierLessons(outcome: Outcome, status: "OK" | "ERROR") {
  expectReturned(outcome);
  const chain = checkChainSpan(checks(), { question: outcome.question, reply: outcome.reply ?? "(the turn threw)", status });
  const calls = checkLlmSpans(checks(), chain, outcome.model);
  checkMessages(checks(), calls);
  const runs = checkTools(checks(), chain, calls);
  return { calls, runs };
}

/** The turn returned a reply instead of throwing; when it threw, say what threw, on that evidence. */
function expectReturned(outcome: Outcome) {
  if (outcome.reply !== undefined) return;
  const thrown = outcome.thrown instanceof Error ? `${outcome.thrown.name}: ${outcome.thrown.message}` : String(outcome.thrown);
  // A catch in callModel that forgets to rethrow returns undefined, and the loop then trips over it.
  const swallowed = outcome.thrown instanceof TypeError && /choices/.test(outcome.thrown.message);
  const modelFailed = [ModelApiError, ModelResponseError, ModelTimeoutError, ModelConnectionError].some((type) => outcome.thrown instanceof type);
  const toolFailed = !swallowed && !modelFailed && /Unknown (city|tool)/.test(thrown);
  checks().fail({
    headline: "The chat turn threw instead of answering the user.",
    expected: "a reply",
    got: `it threw ${thrown}`,
    mistake: swallowed
      ? "callModel returned undefined: its catch block must rethrow the error (throw error;) after recording it, so chatTurn can handle it."
      : modelFailed
        ? "catch the model's failure in chatTurn and return explainModelFailure(error)."
        : toolFailed
          ? 'the tool\'s error escaped runTool: in its catch, return JSON.stringify({ error: message }) to the model instead of rethrowing.'
          : undefined,
    hint: swallowed ? 1 : modelFailed ? 2 : 3,
  });
}

function expectAnswered(outcome: Outcome, pattern: RegExp, hint: number) {
  expectReturned(outcome);
  // A catch in callModel that forgets to rethrow returns undefined, and the agent loop trips over it.
  const swallowed = /Cannot read properties of undefined \(reading 'choices'\)/.test(outcome.reply!);
  checks().that(pattern.test(outcome.reply!), {
    headline: "The reply does not explain what went wrong.",
    expected: `a reply matching ${pattern}`,
    got: outcome.reply!,
    hint: swallowed ? 1 : hint,
    mistake: swallowed ? "callModel returned undefined: its catch block must rethrow the error (throw error;) after recording it, so the chat turn can explain it." : undefined,
  });
}

/** The tool's failure went back to the model: the tool message of the next LLM call holds it. */
function expectToolFailureSentOn() {
  const followUp = checks().atLeast(2, { kind: OpenInferenceSpanKind.LLM }, "LLM spans (the call after the failed tool)", { hint: 3 })[1]!;
  const toolMessage = Object.keys(followUp.attributes).find(
    (key) => key.startsWith(`${LLM_INPUT_MESSAGES}.`) && key.endsWith(`.${MESSAGE_ROLE}`) && followUp.attributes[key] === "tool",
  );
  const content = toolMessage ? followUp.attributes[toolMessage.replace(MESSAGE_ROLE, MESSAGE_CONTENT)] : undefined;
  checks().that(typeof content === "string" && /Unknown city/.test(content), {
    headline: "The model was not told that the tool failed.",
    expected: 'a tool message like {"error":"Unknown city: Atlantis. ..."}',
    got: content === undefined ? "no tool message" : String(content),
    hint: 3,
  });
}

/** The model call failed: ERROR and the exception on its LLM span, ERROR and the apology on the turn. */
function expectFailedModelCall(outcome: Outcome, exception: RegExp) {
  const { calls } = checkEarlierLessons(outcome, "ERROR");
  checkFailedModelCall(checks(), calls, exception);
}

describe(titles.own("the model fails with HTTP 500"), () => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await turn("Hello there!", { faults: [{ kind: "http-500" }] });
  });
  it("the LLM span ends ERROR with the exception recorded; the CHAIN span is ERROR with the apology (the model had an error) as its output", () => {
    expectAnswered(outcome, /error|try again/i, 2);
    expectFailedModelCall(outcome, /ModelApiError.*500/);
  });
});

describe(titles.own("the model is rate limited (HTTP 429)"), () => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await turn("Hello there!", { faults: [{ kind: "http-429" }] });
  });
  it("the LLM span ends ERROR with the 429 recorded; the turn is ERROR, its reply asking to try again later", () => {
    expectAnswered(outcome, /try again/i, 2);
    expectFailedModelCall(outcome, /ModelApiError.*429/);
  });
});

describe(titles.own("the model answers with a malformed body"), () => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await turn("Hello there!", { faults: [{ kind: "malformed" }] });
  });
  it("the LLM span ends ERROR with the parse error recorded; the turn is ERROR, its reply saying the answer could not be read", () => {
    expectAnswered(outcome, /could not read|try again/i, 2);
    expectFailedModelCall(outcome, /ModelResponseError/);
  });
});

describe(titles.own("the model is too slow"), () => {
  let outcome: Outcome;
  beforeAll(async () => {
    const impatient = await harness.connect({ timeoutMs: 300 });
    outcome = await turn("Hello there!", { faults: [{ kind: "slow", ms: 3000 }], model: impatient });
  });
  it("the LLM span ends ERROR with the timeout recorded; the turn is ERROR, its reply saying the model took too long", () => {
    expectAnswered(outcome, /too long|try again/i, 2);
    expectFailedModelCall(outcome, /ModelTimeoutError/);
  });
});

describe(titles.own("a tool throws (a city the weather tool does not know)"), () => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await turn("What's the weather in Atlantis?");
  });
  it("the TOOL span ends ERROR with the exception recorded, its output the error told to the model; the turn goes on and answers", () => {
    expectAnswered(outcome, /Unknown city/i, 3);
    const { runs } = checkEarlierLessons(outcome, "OK");
    checkFailedTool(checks(), runs, /Unknown city/);
    expectToolFailureSentOn();
  });
});

describe(titles.stillTrue(), () => {
  it(titles.taught("tracer-setup", "the chatbot: a failed tool is told to the model, in the tool message of the next LLM call"), async () => {
    await turn("What's the weather in Atlantis?");
    expectToolFailureSentOn();
  });

  it(titles.taught(["first-span", "tools"], "a question that needs two tools still yields LLM, TOOL, TOOL, LLM, every span as taught"), async () => {
    const outcome = await turn("What's the weather in Paris and in Tokyo?");
    checks().that(/Paris/.test(outcome.reply ?? "") && /Tokyo/.test(outcome.reply ?? ""), { headline: "The happy path broke.", expected: "a reply about Paris and Tokyo", got: String(outcome.reply ?? outcome.thrown) });
    const { runs } = checkEarlierLessons(outcome, "OK");
    checks().that(runs.length === 2, { headline: "The model's two tool calls should each have run.", expected: "2 TOOL spans", got: `${runs.length}` });
    checkFailuresRecorded(checks());
  });

  // Last in the file: these checks replace the global tracer provider with the learner's own.
  it(titles.taught("tracer-setup", "tracing.ts sets up the provider, resource, exporters, context manager and Phoenix exporter"), async () => {
    for (const check of Object.values(tracerSetupChecks(tracing, harness.lesson))) await check();
  });
});
