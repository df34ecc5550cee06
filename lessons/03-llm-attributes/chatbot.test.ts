import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  LLMSystem,
  LLM_INVOCATION_PARAMETERS,
  LLM_MODEL_NAME,
  LLM_PROVIDER,
  LLM_SYSTEM,
  LLM_TOKEN_COUNT_COMPLETION,
  LLM_TOKEN_COUNT_PROMPT,
  LLM_TOKEN_COUNT_TOTAL,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
} from "@arizeai/openinference-semantic-conventions";
import { beforeAll, describe, it } from "vitest";
import { lessonGroupTitles } from "../../shared/lessons/check-contract.ts";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { ChatCompletion } from "../../shared/openai/types.ts";
import { useLessonHarness } from "../../shared/testing/lesson-harness.ts";
import { answeringModel } from "../../shared/model/completion.ts";
import { loadLesson } from "../../shared/testing/lesson-module.ts";
import { expectations } from "../../shared/testing/span-checks.ts";
import { checkChainSpan } from "../../shared/testing/taught/chain-span.ts";
import { checkLlmSpans } from "../../shared/testing/taught/llm-spans.ts";
import { tracerSetupChecks } from "../../shared/testing/taught/tracer-setup.ts";

// The harness first: it registers the span capture before the lesson's module gets its tracer.
const harness = useLessonHarness(import.meta.url);
// Test group titles from lessons/lessons.json: "lesson N: ...", "still true from lessons 1 to N-1".
const titles = lessonGroupTitles(harness.lesson);
const { chatTurn } = await loadLesson<typeof import("./chatbot.ts")>(import.meta.url, "chatbot.ts");
const tracing = await loadLesson<typeof import("./tracing.ts")>(import.meta.url, "tracing.ts");
const QUESTION = "Hello there! Who are you?";
let model: ModelConnection;
let reply = "";

beforeAll(async () => {
  model = await harness.connect();
  const outcome = await harness.run(() => chatTurn(model, QUESTION));
  if (outcome.thrown) throw outcome.thrown;
  reply = outcome.value ?? "";
});

const llmSpan = () => harness.checks.one({ kind: OpenInferenceSpanKind.LLM }, "LLM span around the model call", { hint: 1, hintIfNotEnded: 3 });
const chainSpan = () => harness.checks.one({ kind: OpenInferenceSpanKind.CHAIN }, "CHAIN span for the chat turn");
/** The response the LLM span recorded as its output, parsed. */
const recordedResponse = (): ChatCompletion => JSON.parse(String(llmSpan().attributes[OUTPUT_VALUE])) as ChatCompletion;

describe(titles.own("the model call is an LLM span"), () => {
  it("wraps the model call in one ended LLM span, a child of the chat turn's CHAIN span", () => {
    harness.checks.childOf(llmSpan(), chainSpan(), { hint: 1 });
  });

  it("names the API family, the provider and the model", () => {
    const span = llmSpan();
    harness.checks.attribute(span, LLM_SYSTEM, LLMSystem.OPENAI, { hint: 2 });
    harness.checks.attribute(span, LLM_PROVIDER, model.provider, { hint: 2 });
    // The offline model answers as real providers do, with a dated snapshot of the model asked for.
    harness.checks.attribute(span, LLM_MODEL_NAME, answeringModel(model.model), {
      hint: 2,
      mistake: span.attributes[LLM_MODEL_NAME] === model.model ? `llm.model_name is the model asked for, "${model.model}"; "${answeringModel(model.model)}" answered. Once the response is in, record response.model.` : undefined,
    });
  });

  it("records the invocation parameters as JSON, without the messages", () => {
    harness.checks.attribute(
      llmSpan(),
      LLM_INVOCATION_PARAMETERS,
      expectations.json('the request minus "messages", e.g. {"model":"...","temperature":0.2}', (parsed) => {
        const parameters = parsed as Record<string, unknown>;
        return parameters.temperature === 0.2 && parameters.model === model.model && !("messages" in parameters);
      }),
      { hint: 2 },
    );
  });

  it("records the request as JSON input", () => {
    const span = llmSpan();
    harness.checks.attribute(
      span,
      INPUT_VALUE,
      expectations.json("the whole request body, with its messages", (parsed) => {
        const messages = (parsed as { messages?: Array<{ content?: string }> }).messages;
        return Array.isArray(messages) && messages.some((message) => message.content === QUESTION);
      }),
      { hint: 2 },
    );
    harness.checks.attribute(span, INPUT_MIME_TYPE, MimeType.JSON, { hint: 2 });
  });

  it("records the response as JSON output", () => {
    const span = llmSpan();
    harness.checks.attribute(
      span,
      OUTPUT_VALUE,
      expectations.json("the whole response body, with its choices", (parsed) => {
        const response = parsed as ChatCompletion;
        return response.choices?.[0]?.message?.content === reply;
      }),
      { hint: 3 },
    );
    harness.checks.attribute(span, OUTPUT_MIME_TYPE, MimeType.JSON, { hint: 3 });
  });

  it("records the token counts from the response's usage", () => {
    const span = llmSpan();
    const usage = recordedResponse().usage;
    harness.checks.attribute(span, LLM_TOKEN_COUNT_PROMPT, usage.prompt_tokens, { hint: 3 });
    harness.checks.attribute(span, LLM_TOKEN_COUNT_COMPLETION, usage.completion_tokens, { hint: 3 });
    harness.checks.attribute(span, LLM_TOKEN_COUNT_TOTAL, usage.total_tokens, { hint: 3 });
  });

  it("sets status OK on the LLM span when the call succeeds", () => {
    harness.checks.status(llmSpan(), "OK", { hint: 3 });
  });

  it("holds every LLM attribute of this lesson together, on the one LLM span", () => {
    checkLlmSpans(harness.checks, chainSpan(), model);
  });
});

describe(titles.stillTrue(), () => {
  it(titles.taught("first-span", "the chat turn is one ended CHAIN root with the question, the reply and status OK"), () => {
    checkChainSpan(harness.checks, { question: QUESTION, reply });
  });

  // Last in the file: these checks replace the global tracer provider with the learner's own.
  it(titles.taught("tracer-setup", "tracing.ts sets up the provider, resource, exporters, context manager and Phoenix exporter"), async () => {
    for (const check of Object.values(tracerSetupChecks(tracing, harness.lesson))) await check();
  });
});
