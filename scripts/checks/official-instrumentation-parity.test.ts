// Hand-made spans should look in Phoenix exactly like the official auto-instrumentation's.
// This sends the very requests our solutions sent through the `openai` SDK instrumented by
// @arizeai/openinference-instrumentation-openai, and checks that every attribute the official
// LLM span carries is on ours too, with the same value.
import { OpenInferenceSpanKind, OUTPUT_VALUE, SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import { OpenAIInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import * as openaiModule from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectModel, type ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { ChatCompletionRequest } from "../../shared/openai/types.ts";
import { startOfflineModel, type OfflineModel } from "../../shared/model/offline-model.ts";
import { installSpanCapture } from "../../shared/testing/capture-spans.ts";

const capture = installSpanCapture();
const instrumentation = new OpenAIInstrumentation();
// The instrumentation patches the SDK's classes, which the ESM namespace exposes as `OpenAI`.
instrumentation.manuallyInstrument(openaiModule as unknown as Parameters<typeof instrumentation.manuallyInstrument>[0]);

type ChatTurn = (model: ModelConnection, question: string) => Promise<string>;
let offline: OfflineModel;
let model: ModelConnection;
let client: openaiModule.OpenAI;

beforeAll(async () => {
  offline = await startOfflineModel();
  model = await connectModel({ env: {}, offlineModel: offline });
  client = new openaiModule.OpenAI({ baseURL: offline.baseUrl, apiKey: "not-needed-offline" });
});
afterAll(async () => {
  instrumentation.disable();
  await offline.close();
  await capture.uninstall();
});

const isLlm = (span: ReadableSpan) => span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND] === OpenInferenceSpanKind.LLM;

/** Our solution's LLM spans for one question, in order. */
async function ourLlmSpans(solution: string, question: string): Promise<ReadableSpan[]> {
  const { chatTurn } = (await import(`../../solutions/${solution}/chatbot.ts`)) as { chatTurn: ChatTurn };
  capture.reset();
  await chatTurn(model, question);
  return capture.finished().filter(isLlm);
}

/** Lesson 7's solution: the LLM spans of every turn of one conversation, each call sent with the history. */
async function conversationLlmSpans(questions: string[]): Promise<ReadableSpan[]> {
  const lesson = (await import("../../solutions/07-sessions/chatbot.ts")) as typeof import("../../solutions/07-sessions/chatbot.ts");
  capture.reset();
  await lesson.runConversation(model, lesson.newConversation("parity-check"), questions);
  return capture.finished().filter(isLlm);
}

/** The official instrumentation's LLM span for the same request body. */
async function officialLlmSpan(request: ChatCompletionRequest): Promise<ReadableSpan> {
  capture.reset();
  await client.chat.completions.create(request as unknown as openaiModule.OpenAI.ChatCompletionCreateParamsNonStreaming);
  const spans = capture.finished().filter(isLlm);
  expect(spans, "the official instrumentation made one LLM span").toHaveLength(1);
  return spans[0]!;
}

/** Every official key must be on our span with the same value (output.value differs only by `created`). */
async function expectParity(ours: ReadableSpan) {
  const request = JSON.parse(String(ours.attributes[SemanticConventions.INPUT_VALUE])) as ChatCompletionRequest;
  const official = await officialLlmSpan(request);
  const officialKeys = Object.keys(official.attributes).sort();
  expect(officialKeys.length).toBeGreaterThan(10);
  const missing = officialKeys.filter((key) => !(key in ours.attributes));
  expect(missing, "keys the official instrumentation sets that our span lacks").toEqual([]);
  for (const key of officialKeys.filter((key) => key !== OUTPUT_VALUE)) {
    expect(ours.attributes[key], `value of ${key}`).toEqual(official.attributes[key]);
  }
  const withoutCreated = (json: unknown) => ({ ...(JSON.parse(String(json)) as object), created: 0 });
  expect(withoutCreated(ours.attributes[OUTPUT_VALUE])).toEqual(withoutCreated(official.attributes[OUTPUT_VALUE]));
  expect(ours.status.code).toBe(official.status.code);
}

describe("our LLM spans carry every key the official OpenAI instrumentation sets", () => {
  it("lesson 4's solution, for a plain answer", async () => {
    const [plain] = await ourLlmSpans("04-messages", "Hello there!");
    await expectParity(plain!);
  });

  for (const solution of ["05-tools", "06-errors"]) {
    it(`lesson ${solution.slice(0, 2)}'s solution, for a tool-call answer and for the answer after the tool results`, async () => {
      const spans = await ourLlmSpans(solution, "What's the weather in Paris and in Tokyo?");
      expect(spans).toHaveLength(2);
      await expectParity(spans[0]!);
      await expectParity(spans[1]!);
    });
  }

  it("lesson 7's solution, for every call of a three-turn conversation sent with its history", async () => {
    const spans = await conversationLlmSpans(["What's the weather in Paris?", "And in London?", "What did I ask first?"]);
    // Paris: tool call and answer; London (from the history): tool call and answer; the recall: one answer.
    expect(spans).toHaveLength(5);
    for (const span of spans) await expectParity(span);
  });
});
