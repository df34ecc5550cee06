import {
  LLM_INPUT_MESSAGES,
  MESSAGE_CONTENT,
  MESSAGE_ROLE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
} from "@arizeai/openinference-semantic-conventions";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { beforeAll, describe, it } from "vitest";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { Fault } from "../../shared/model/faults.ts";
import { useLessonHarness } from "../../shared/testing/lesson-harness.ts";
import { loadLesson } from "../../shared/testing/lesson-module.ts";

// The harness first: it registers the span capture before the lesson's module gets its tracer.
const harness = useLessonHarness(import.meta.url);
const { chatTurn } = await loadLesson<typeof import("./chatbot.ts")>(import.meta.url, "chatbot.ts");
const checks = () => harness.checks;

interface Outcome {
  reply?: string;
  thrown?: unknown;
}

/** Runs one turn on a clean slate of spans; a thrown error is kept, not rethrown, so each check can explain it. */
async function turn(question: string, options: { faults?: Fault[]; model?: ModelConnection } = {}): Promise<Outcome> {
  harness.capture.reset();
  if (options.faults) harness.offlineModel.injectFaults(...options.faults);
  const model = options.model ?? (await harness.connect());
  try {
    return { reply: await chatTurn(model, question) };
  } catch (thrown) {
    return { thrown };
  }
}

function expectAnswered(outcome: Outcome, pattern: RegExp, hint: number) {
  const thrown = outcome.thrown instanceof Error ? `${outcome.thrown.name}: ${outcome.thrown.message}` : String(outcome.thrown);
  // A catch in callModel that forgets to rethrow returns undefined, and the loop then trips over it.
  const swallowed = outcome.thrown instanceof TypeError && /choices/.test(outcome.thrown.message);
  checks().that(outcome.reply !== undefined, {
    headline: "The chat turn threw instead of answering the user.",
    expected: `a reply matching ${pattern}`,
    got: `it threw ${thrown}`,
    mistake: swallowed
      ? "callModel returned undefined: its catch block must rethrow the error (throw error;) after recording it, so chatTurn can handle it."
      : "catch the model's failure in chatTurn and return explainModelFailure(error).",
    hint: swallowed ? 1 : hint,
  });
  checks().that(pattern.test(outcome.reply!), { headline: "The reply does not explain what went wrong.", expected: `a reply matching ${pattern}`, got: outcome.reply!, hint });
}

function expectAllEnded() {
  const open = harness.capture.unended();
  checks().that(open.length === 0, {
    headline: "Some spans were never ended (and so never exported).",
    expected: "every span ended",
    got: open.map((span) => `"${span.name}" still open`).join(", "),
    mistake: "end spans in a finally block, so the error path ends them too.",
    hint: 1,
  });
}

const llmSpan = () => checks().atLeast(1, { kind: OpenInferenceSpanKind.LLM }, "LLM span")[0]!;
const chainSpan = () => checks().one({ kind: OpenInferenceSpanKind.CHAIN }, "CHAIN span for the chat turn");

function expectFailedLlmSpan(exceptionPattern: RegExp) {
  const span: ReadableSpan = llmSpan();
  checks().status(span, "ERROR", { hint: 1 });
  checks().exceptionEvent(span, exceptionPattern, { hint: 1 });
}

describe("lesson 6: the model fails with HTTP 500", () => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await turn("Hello there!", { faults: [{ kind: "http-500" }] });
  });
  it("still answers, saying the model had an error", () => expectAnswered(outcome, /error|try again/i, 2));
  it("ends the LLM span with status ERROR and the exception recorded", () => expectFailedLlmSpan(/ModelApiError.*500/));
  it("marks the chat turn's CHAIN span ERROR, with the apology as its output", () => {
    checks().status(chainSpan(), "ERROR", {
      hint: 2,
      usualMistake: "an OK status set after ERROR overrides it (OK is final): return the apology right away instead of breaking out of the loop.",
    });
    checks().attribute(chainSpan(), OUTPUT_VALUE, outcome.reply ?? "(the turn threw)", { hint: 2 });
    expectAllEnded();
  });
});

describe("lesson 6: the model is rate limited (HTTP 429)", () => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await turn("Hello there!", { faults: [{ kind: "http-429" }] });
  });
  it("still answers, asking to try again later", () => expectAnswered(outcome, /try again/i, 2));
  it("ends the LLM span with status ERROR and the 429 recorded", () => expectFailedLlmSpan(/ModelApiError.*429/));
});

describe("lesson 6: the model answers with a malformed body", () => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await turn("Hello there!", { faults: [{ kind: "malformed" }] });
  });
  it("still answers, saying the answer could not be read", () => expectAnswered(outcome, /could not read|try again/i, 2));
  it("ends the LLM span with status ERROR and the parse error recorded", () => expectFailedLlmSpan(/ModelResponseError/));
});

describe("lesson 6: the model is too slow", () => {
  let outcome: Outcome;
  beforeAll(async () => {
    const impatient = await harness.connect({ timeoutMs: 300 });
    outcome = await turn("Hello there!", { faults: [{ kind: "slow", ms: 3000 }], model: impatient });
  });
  it("still answers, saying the model took too long", () => expectAnswered(outcome, /too long|try again/i, 2));
  it("ends the LLM span with status ERROR and the timeout recorded", () => {
    expectFailedLlmSpan(/ModelTimeoutError/);
    expectAllEnded();
  });
});

describe("lesson 6: a tool throws (a city the weather tool does not know)", () => {
  let outcome: Outcome;
  beforeAll(async () => {
    outcome = await turn("What's the weather in Atlantis?");
  });
  const toolSpan = () => checks().one({ kind: OpenInferenceSpanKind.TOOL }, "TOOL span for get_weather");

  it("ends the TOOL span with status ERROR and the exception recorded", () => {
    checks().status(toolSpan(), "ERROR", { hint: 3 });
    checks().exceptionEvent(toolSpan(), /Unknown city/, { hint: 3 });
  });

  it("tells the model what failed, in the tool message of the next LLM call", () => {
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
  });

  it("still answers the user, passing on what went wrong", () => {
    expectAnswered(outcome, /Unknown city/i, 3);
    expectAllEnded();
  });
});

describe("still true from lesson 5", () => {
  it("a question that needs two tools still yields LLM, TOOL, TOOL, LLM", async () => {
    const outcome = await turn("What's the weather in Paris and in Tokyo?");
    checks().that(/Paris/.test(outcome.reply ?? "") && /Tokyo/.test(outcome.reply ?? ""), { headline: "The happy path broke.", expected: "a reply about Paris and Tokyo", got: String(outcome.reply ?? outcome.thrown) });
    checks().atLeast(2, { kind: OpenInferenceSpanKind.TOOL }, "TOOL spans");
    checks().atLeast(2, { kind: OpenInferenceSpanKind.LLM }, "LLM spans");
  });
});
