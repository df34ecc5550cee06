import {
  INPUT_VALUE,
  LLM_FINISH_REASON,
  LLM_INPUT_MESSAGES,
  LLM_OUTPUT_MESSAGES,
  MESSAGE_CONTENT,
  MESSAGE_ROLE,
  OpenInferenceSpanKind,
} from "@arizeai/openinference-semantic-conventions";
import { beforeAll, describe, it } from "vitest";
import { lessonGroupTitles } from "../../shared/lessons/check-contract.ts";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { ChatCompletionRequest } from "../../shared/openai/types.ts";
import { useLessonHarness } from "../../shared/testing/lesson-harness.ts";
import { loadLesson } from "../../shared/testing/lesson-module.ts";
import { expectations } from "../../shared/testing/span-checks.ts";
import { checkChainSpan } from "../../shared/testing/taught/chain-span.ts";
import { checkLlmSpans } from "../../shared/testing/taught/llm-spans.ts";
import { checkMessages } from "../../shared/testing/taught/messages.ts";
import { tracerSetupChecks } from "../../shared/testing/taught/tracer-setup.ts";

// The harness first: it registers the span capture before the lesson's module gets its tracer.
const harness = useLessonHarness(import.meta.url);
// Test group titles from lessons/lessons.json: "lesson N: ...", "still true from lessons 1 to N-1".
const titles = lessonGroupTitles(harness.lesson);
const { chatTurn } = await loadLesson<typeof import("./chatbot.ts")>(import.meta.url, "chatbot.ts");
const QUESTION = "Hello there! Who are you?";
const tracing = await loadLesson<typeof import("./tracing.ts")>(import.meta.url, "tracing.ts");
let reply = "";
let model: ModelConnection;

beforeAll(async () => {
  model = await harness.connect();
  const outcome = await harness.run(() => chatTurn(model, QUESTION));
  if (outcome.thrown) throw outcome.thrown;
  reply = outcome.value ?? "";
});
const chainSpan = () => harness.checks.one({ kind: OpenInferenceSpanKind.CHAIN }, "CHAIN span for the chat turn");

const llmSpan = () => harness.checks.one({ kind: OpenInferenceSpanKind.LLM }, "LLM span around the model call");
/** The messages actually sent, as the LLM span's input.value recorded them (lesson 3). */
const sentMessages = () => (JSON.parse(String(llmSpan().attributes[INPUT_VALUE])) as ChatCompletionRequest).messages;

/** A learner who stores the whole list as one JSON string gets told what flattening means. */
function checkNotOneBlob(prefix: string) {
  harness.checks.flattened(llmSpan(), prefix, `${prefix}.0.${MESSAGE_ROLE}, ${prefix}.0.${MESSAGE_CONTENT}, ${prefix}.1.${MESSAGE_ROLE}, ...`, { hint: 1 });
}

describe(titles.own("the conversation, message by message"), () => {
  it("lists every input message's role, flattened with its index", () => {
    checkNotOneBlob(LLM_INPUT_MESSAGES);
    sentMessages().forEach((message, index) => {
      harness.checks.attribute(llmSpan(), `${LLM_INPUT_MESSAGES}.${index}.${MESSAGE_ROLE}`, message.role, { hint: 1 });
    });
  });

  it("lists every input message's content: the system prompt, then the user's question", () => {
    const messages = sentMessages();
    messages.forEach((message, index) => {
      harness.checks.attribute(llmSpan(), `${LLM_INPUT_MESSAGES}.${index}.${MESSAGE_CONTENT}`, message.content ?? "", { hint: 2 });
    });
    harness.checks.attribute(llmSpan(), `${LLM_INPUT_MESSAGES}.${messages.length - 1}.${MESSAGE_CONTENT}`, QUESTION, { hint: 2 });
  });

  it("does not invent messages beyond those sent", () => {
    const count = sentMessages().length;
    harness.checks.noAttribute(llmSpan(), `${LLM_INPUT_MESSAGES}.${count}.${MESSAGE_ROLE}`, `only ${count} messages were sent (indices start at 0).`, { hint: 2 });
    // The starter sets no message keys at all; this lesson's work is to set them.
    harness.checks.attribute(llmSpan(), `${LLM_INPUT_MESSAGES}.0.${MESSAGE_ROLE}`, expectations.anyString, { hint: 1 });
  });

  it("records the answer as output message 0, from the assistant", () => {
    checkNotOneBlob(LLM_OUTPUT_MESSAGES);
    harness.checks.attribute(llmSpan(), `${LLM_OUTPUT_MESSAGES}.0.${MESSAGE_ROLE}`, "assistant", { hint: 3 });
    harness.checks.attribute(llmSpan(), `${LLM_OUTPUT_MESSAGES}.0.${MESSAGE_CONTENT}`, reply, { hint: 3 });
  });

  it("records why the model stopped (finish reason)", () => {
    harness.checks.attribute(llmSpan(), LLM_FINISH_REASON, "stop", { hint: 3 });
  });

  it("lists exactly the messages sent and received, with nothing invented", () => {
    checkMessages(harness.checks, checkLlmSpans(harness.checks, chainSpan(), model));
  });
});

describe(titles.stillTrue(), () => {
  it(titles.taught("llm-attributes", "the LLM span names system, provider and model, and records request, response, parameters, tokens and status"), () => {
    checkLlmSpans(harness.checks, chainSpan(), model);
  });

  it(titles.taught("first-span", "the chat turn is one ended CHAIN root with the question, the reply and status OK"), () => {
    checkChainSpan(harness.checks, { question: QUESTION, reply });
  });

  // Last in the file: these checks replace the global tracer provider with the learner's own.
  it(titles.taught("tracer-setup", "tracing.ts sets up the provider, resource, exporters, context manager and Phoenix exporter"), async () => {
    for (const check of Object.values(tracerSetupChecks(tracing, harness.lesson))) await check();
  });
});
