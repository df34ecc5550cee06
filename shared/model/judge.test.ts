import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { createClassificationEvaluator } from "@arizeai/phoenix-evals";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChatCompletionRequest } from "../openai/types.ts";
import { judge, judgeLabels, judgeReply, labelMeanings } from "./judge.ts";
import { startOfflineModel, type OfflineModel } from "./offline-model.ts";
import { validateChatRequest } from "./validate.ts";
import { user } from "./test-support.ts";

const LABELS = ["answered", "unanswered"];
const prompt = (input: string, output: string) => `Judge this.\n<input>\n${input}\n</input>\n<output>\n${output}\n</output>\nDoes the output answer the input?`;
/** A request as @arizeai/phoenix-evals sends it through the AI SDK (generateObject, structured outputs). */
function judgeRequest(text: string, labels: unknown = LABELS): ChatCompletionRequest {
  return validateChatRequest({
    model: "judge",
    messages: [user(text)],
    response_format: {
      type: "json_schema",
      json_schema: {
        name: "response",
        strict: true,
        schema: { type: "object", properties: { explanation: { type: "string" }, label: { type: "string", enum: labels } }, required: ["explanation", "label"], additionalProperties: false },
      },
    },
  });
}

describe("the offline model as a judge", () => {
  it("answers the schema's first label when the output answers the input, with an explanation", () => {
    expect(judge(prompt("What's the weather in Paris?", "In Paris it is 18°C and sunny."), LABELS)).toEqual({ label: "answered", explanation: "The output answers the input." });
  });

  it("answers the second label when the output says it cannot, is empty, or asks back, and says which", () => {
    expect(judge(prompt("Weather in Atlantis?", "I couldn't find the weather for Atlantis."), LABELS)).toEqual({ label: "unanswered", explanation: 'The output does not answer: it says "couldn\'t".' });
    expect(judge(prompt("Weather?", "Which city would you like the weather for?"), LABELS).label).toBe("unanswered");
    expect(judge(prompt("Hello", "   "), LABELS)).toEqual({ label: "unanswered", explanation: "The output is empty: it answers nothing." });
    expect(judge("no tags at all", LABELS).label).toBe("unanswered");
    expect(judge(prompt("Weather in Paris?", "The model service had an error (HTTP 500). Please try again in a moment."), LABELS).label).toBe("unanswered");
  });

  it("reads which label means what from the labels' names, in any order, and falls back to their order", () => {
    expect(labelMeanings(["unanswered", "answered"])).toEqual({ answers: "answered", doesNot: "unanswered" });
    expect(labelMeanings(["incorrect", "correct"])).toEqual({ answers: "correct", doesNot: "incorrect" });
    expect(labelMeanings(["not_relevant", "Relevant"])).toEqual({ answers: "Relevant", doesNot: "not_relevant" });
    expect(labelMeanings(["no", "yes"])).toEqual({ answers: "yes", doesNot: "no" });
    expect(labelMeanings(["fail", "pass", "unsure"])).toEqual({ answers: "pass", doesNot: "fail" });
    expect(labelMeanings(["hallucinated", "grounded"])).toEqual({ answers: "grounded", doesNot: "hallucinated" });
    expect(labelMeanings(["alpha", "beta"])).toEqual({ answers: "alpha", doesNot: "beta" });
    const reversed = ["unanswered", "answered"];
    expect(judge(prompt("What's the weather in Paris?", "In Paris it is 18°C and sunny."), reversed).label).toBe("answered");
    expect(judge(prompt("Weather in Atlantis?", "Sorry, I cannot tell."), reversed).label).toBe("unanswered");
  });

  it("is deterministic: the same prompt, the same verdict", () => {
    const text = prompt("Calculate 12 * 7", "12 * 7 = 84.");
    expect(judgeReply(judgeRequest(text))).toBe(judgeReply(judgeRequest(text)));
  });

  it("takes only a json_schema request with a label enum of two or more strings as a judge's", () => {
    expect(judgeLabels(judgeRequest("x"))).toEqual(LABELS);
    expect(judgeLabels(judgeRequest("x", ["only-one"]))).toBeUndefined();
    expect(judgeLabels(judgeRequest("x", [1, 2]))).toBeUndefined();
    expect(judgeLabels(validateChatRequest({ model: "m", messages: [user("x")], response_format: { type: "json_object" } }))).toBeUndefined();
    expect(judgeLabels(validateChatRequest({ model: "m", messages: [user("x")] }))).toBeUndefined();
  });

  it("rejects a malformed response_format with a 400 naming the field", () => {
    expect(() => validateChatRequest({ model: "m", messages: [user("x")], response_format: { type: "yaml" } })).toThrow(/response_format\.type/);
    expect(() => validateChatRequest({ model: "m", messages: [user("x")], response_format: { type: "json_schema" } })).toThrow(/response_format\.json_schema/);
  });
});

describe("a phoenix-evals classification evaluator judged by the offline model", () => {
  let model: OfflineModel;
  beforeAll(async () => {
    model = await startOfflineModel({ streamChunkDelayMs: 0 });
  });
  afterAll(async () => {
    await model?.close();
  });

  it("gets the label, its score and the explanation, over real HTTP", async () => {
    const provider = createOpenAICompatible({ name: "offline", baseURL: model.baseUrl, supportsStructuredOutputs: true });
    const evaluator = createClassificationEvaluator<{ input: string; output: string }>({
      name: "answers_the_question",
      model: provider("workbook-offline"),
      choices: { answered: 1, unanswered: 0 },
      promptTemplate: "<input>{{input}}</input>\n<output>{{output}}</output>\nDoes the output answer the input?",
      telemetry: { isEnabled: false },
    });
    expect(await evaluator.evaluate({ input: "Weather in Paris?", output: "18°C and sunny in Paris." })).toEqual({ label: "answered", score: 1, explanation: "The output answers the input." });
    expect(await evaluator.evaluate({ input: "Weather in Atlantis?", output: "Sorry, I don't know Atlantis." })).toMatchObject({ label: "unanswered", score: 0 });
  });

  it("reads the choices by meaning, listed in either order", async () => {
    const provider = createOpenAICompatible({ name: "offline", baseURL: model.baseUrl, supportsStructuredOutputs: true });
    const evaluator = createClassificationEvaluator<{ input: string; output: string }>({
      name: "answers_the_question",
      model: provider("workbook-offline"),
      choices: { unanswered: 0, answered: 1 },
      promptTemplate: "<input>{{input}}</input>\n<output>{{output}}</output>\nDoes the output answer the input?",
      telemetry: { isEnabled: false },
    });
    expect(await evaluator.evaluate({ input: "Weather in Paris?", output: "18°C and sunny in Paris." })).toMatchObject({ label: "answered", score: 1 });
    expect(await evaluator.evaluate({ input: "Weather in Atlantis?", output: "Sorry, I don't know Atlantis." })).toMatchObject({ label: "unanswered", score: 0 });
  });
});
