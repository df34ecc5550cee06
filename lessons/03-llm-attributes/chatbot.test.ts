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
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { ChatCompletion } from "../../shared/openai/types.ts";
import { useLessonHarness } from "../../shared/testing/lesson-harness.ts";
import { loadLesson } from "../../shared/testing/lesson-module.ts";
import { expectations } from "../../shared/testing/span-checks.ts";

// The harness first: it registers the span capture before the lesson's module gets its tracer.
const harness = useLessonHarness(import.meta.url);
const { chatTurn } = await loadLesson<typeof import("./chatbot.ts")>(import.meta.url, "chatbot.ts");
const QUESTION = "Hello there! Who are you?";
let model: ModelConnection;
let reply = "";

beforeAll(async () => {
  model = await harness.connect();
  reply = await chatTurn(model, QUESTION);
});

const llmSpan = () => harness.checks.one({ kind: OpenInferenceSpanKind.LLM }, "LLM span around the model call", { hint: 1, hintIfNotEnded: 3 });
const chainSpan = () => harness.checks.one({ kind: OpenInferenceSpanKind.CHAIN }, "CHAIN span for the chat turn");
/** The response the LLM span recorded as its output, parsed. */
const recordedResponse = (): ChatCompletion => JSON.parse(String(llmSpan().attributes[OUTPUT_VALUE])) as ChatCompletion;

describe("lesson 3: the model call is an LLM span", () => {
  it("wraps the model call in one ended LLM span, a child of the chat turn's CHAIN span", () => {
    harness.checks.childOf(llmSpan(), chainSpan(), { hint: 1 });
  });

  it("names the API family, the provider and the model", () => {
    const span = llmSpan();
    harness.checks.attribute(span, LLM_SYSTEM, LLMSystem.OPENAI, { hint: 2 });
    harness.checks.attribute(span, LLM_PROVIDER, model.provider, { hint: 2 });
    harness.checks.attribute(span, LLM_MODEL_NAME, model.model, { hint: 2 });
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
});

describe("still true from lesson 2", () => {
  it("records the turn's input and output on the CHAIN span", () => {
    harness.checks.attribute(chainSpan(), INPUT_VALUE, QUESTION);
    harness.checks.attribute(chainSpan(), OUTPUT_VALUE, reply);
  });
});
