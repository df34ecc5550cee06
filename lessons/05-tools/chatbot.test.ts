import {
  INPUT_VALUE,
  LLM_FINISH_REASON,
  LLM_INPUT_MESSAGES,
  LLM_OUTPUT_MESSAGES,
  LLM_TOOLS,
  MESSAGE_CONTENT,
  MESSAGE_ROLE,
  MESSAGE_TOOL_CALLS,
  MESSAGE_TOOL_CALL_ID,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
  TOOL_CALL_FUNCTION_ARGUMENTS_JSON,
  TOOL_CALL_FUNCTION_NAME,
  TOOL_CALL_ID,
  TOOL_DESCRIPTION,
  TOOL_ID,
  TOOL_JSON_SCHEMA,
  TOOL_NAME,
  TOOL_PARAMETERS,
} from "@arizeai/openinference-semantic-conventions";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { beforeAll, describe, it } from "vitest";
import { lessonGroupTitles } from "../../shared/lessons/check-contract.ts";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { ChatCompletion, ChatCompletionRequest } from "../../shared/openai/types.ts";
import { useLessonHarness } from "../../shared/testing/lesson-harness.ts";
import { loadLesson } from "../../shared/testing/lesson-module.ts";
import { expectations } from "../../shared/testing/span-checks.ts";
import { checkChainSpan } from "../../shared/testing/taught/chain-span.ts";
import { checkLlmSpans } from "../../shared/testing/taught/llm-spans.ts";
import { checkMessages } from "../../shared/testing/taught/messages.ts";
import { checkTools } from "../../shared/testing/taught/tools.ts";
import { tracerSetupChecks } from "../../shared/testing/taught/tracer-setup.ts";

// The harness first: it registers the span capture before the lesson's module gets its tracer.
const harness = useLessonHarness(import.meta.url);
// Test group titles from lessons/lessons.json: "lesson N: ...", "still true from lessons 1 to N-1".
const titles = lessonGroupTitles(harness.lesson);
const { chatTurn } = await loadLesson<typeof import("./chatbot.ts")>(import.meta.url, "chatbot.ts");
const QUESTION = "What's the weather in Paris and in Tokyo?";
const tracing = await loadLesson<typeof import("./tracing.ts")>(import.meta.url, "tracing.ts");
let reply = "";
let model: ModelConnection;

beforeAll(async () => {
  model = await harness.connect();
  const outcome = await harness.run(() => chatTurn(model, QUESTION));
  if (outcome.thrown) throw outcome.thrown;
  reply = outcome.value ?? "";
});

const checks = () => harness.checks;
const chainSpan = () => checks().one({ kind: OpenInferenceSpanKind.CHAIN }, "CHAIN span for the chat turn");
const llmSpans = () => checks().atLeast(2, { kind: OpenInferenceSpanKind.LLM }, "LLM spans (one per model call)");
const toolSpans = () => checks().atLeast(2, { kind: OpenInferenceSpanKind.TOOL }, "TOOL span (one per tool call)", { hint: 3 });
const flattenedToolCalls = (span: ReadableSpan) =>
  checks().flattened(span, LLM_OUTPUT_MESSAGES, `${LLM_OUTPUT_MESSAGES}.0.${MESSAGE_TOOL_CALLS}.0.${TOOL_CALL_ID}, ...`, { hint: 2 });
/** The tool calls the model really made, from the first LLM span's recorded response. */
const modelToolCalls = (span: ReadableSpan) =>
  (JSON.parse(String(span.attributes[OUTPUT_VALUE])) as ChatCompletion).choices[0]?.message.tool_calls ?? [];

describe(titles.own("tools, traced end to end"), () => {
  it("traces the turn as one CHAIN root with LLM, TOOL, TOOL, LLM below it, in that order", () => {
    const root = chainSpan();
    checks().isRoot(root);
    // First the TOOL spans themselves: never ended, a lower-case or missing kind, a lost parent are each named.
    for (const tool of toolSpans()) checks().childOf(tool, root, { hint: 3 });
    const children = checks()
      .spans.filter((span) => span.parentSpanContext?.spanId === root.spanContext().spanId)
      .sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
    const kinds = children.map((span) => String(span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND]));
    checks().that(kinds.join(",") === "LLM,TOOL,TOOL,LLM", {
      headline: "The chat turn's children are not the agent loop LLM -> TOOL, TOOL -> LLM.",
      expected: "LLM,TOOL,TOOL,LLM",
      got: kinds.join(",") || "(no children)",
      hint: 3,
    });
  });

  it("lists the tools offered to the model on the LLM span", () => {
    const first = llmSpans()[0]!;
    checks().flattened(first, LLM_TOOLS, `${LLM_TOOLS}.0.${TOOL_JSON_SCHEMA}, ${LLM_TOOLS}.1.${TOOL_JSON_SCHEMA}`, { hint: 1 });
    ["get_weather", "calculate"].forEach((name, index) => {
      checks().attribute(
        first,
        `${LLM_TOOLS}.${index}.${TOOL_JSON_SCHEMA}`,
        expectations.json(`the tool definition of ${name}`, (tool) => (tool as { function?: { name?: string } }).function?.name === name),
        { hint: 1 },
      );
    });
  });

  it("records the model's tool calls in the first LLM span's output message", () => {
    const first = llmSpans()[0]!;
    flattenedToolCalls(first);
    checks().attribute(first, LLM_FINISH_REASON, "tool_calls");
    const calls = modelToolCalls(first);
    checks().that(calls.length === 2, { headline: "The offline model should have asked for two weather look-ups.", expected: "2 tool calls", got: `${calls.length}` });
    calls.forEach((call, index) => {
      const prefix = `${LLM_OUTPUT_MESSAGES}.0.${MESSAGE_TOOL_CALLS}.${index}.`;
      checks().attribute(first, prefix + TOOL_CALL_ID, call.id, { hint: 2 });
      checks().attribute(first, prefix + TOOL_CALL_FUNCTION_NAME, call.function.name, { hint: 2 });
      checks().attribute(first, prefix + TOOL_CALL_FUNCTION_ARGUMENTS_JSON, call.function.arguments, { hint: 2 });
    });
  });

  it("gives each tool call a TOOL span whose tool.id is the call's id", () => {
    const calls = modelToolCalls(llmSpans()[0]!);
    const tools = toolSpans();
    calls.forEach((call) => {
      const span = tools.find((candidate) => candidate.attributes[TOOL_ID] === call.id);
      checks().that(span !== undefined, {
        headline: `No TOOL span has tool.id = "${call.id}", the id of the model's ${call.function.name} call.`,
        expected: `a TOOL span with ${TOOL_ID} = "${call.id}"`,
        got: `tool.id values: ${tools.map((candidate) => JSON.stringify(candidate.attributes[TOOL_ID])).join(", ")}`,
        hint: 3,
      });
      checks().attribute(span!, TOOL_NAME, call.function.name, { hint: 3 });
      checks().attribute(span!, INPUT_VALUE, call.function.arguments, { hint: 3 });
      checks().childOf(span!, chainSpan(), { hint: 3 });
    });
  });

  it("describes each tool on its TOOL span and records its result", () => {
    for (const span of toolSpans()) {
      checks().attribute(span, TOOL_DESCRIPTION, expectations.anyString, { hint: 3 });
      checks().attribute(span, TOOL_PARAMETERS, expectations.json("the JSON schema of the arguments", (schema) => (schema as { type?: string }).type === "object"), { hint: 3 });
      checks().attribute(span, OUTPUT_VALUE, expectations.json("the tool's result", (result) => typeof (result as { temperature_c?: number }).temperature_c === "number"), { hint: 3 });
    }
  });

  it("shows the tool results going back to the model in the second LLM span's input messages", () => {
    const [first, second] = llmSpans();
    checks().flattened(second!, LLM_INPUT_MESSAGES, `${LLM_INPUT_MESSAGES}.2.${MESSAGE_TOOL_CALLS}.0.${TOOL_CALL_ID}, ${LLM_INPUT_MESSAGES}.3.${MESSAGE_TOOL_CALL_ID}, ...`, { hint: 4 });
    const calls = modelToolCalls(first!);
    const sent = (JSON.parse(String(second!.attributes[INPUT_VALUE])) as ChatCompletionRequest).messages;
    const assistantIndex = sent.findIndex((message) => message.tool_calls?.length);
    checks().attribute(second!, `${LLM_INPUT_MESSAGES}.${assistantIndex}.${MESSAGE_TOOL_CALLS}.0.${TOOL_CALL_ID}`, calls[0]!.id, { hint: 2 });
    calls.forEach((call, offset) => {
      const index = assistantIndex + 1 + offset;
      checks().attribute(second!, `${LLM_INPUT_MESSAGES}.${index}.${MESSAGE_ROLE}`, "tool", { hint: 4 });
      checks().attribute(second!, `${LLM_INPUT_MESSAGES}.${index}.${MESSAGE_TOOL_CALL_ID}`, call.id, { hint: 4 });
      checks().attribute(second!, `${LLM_INPUT_MESSAGES}.${index}.${MESSAGE_CONTENT}`, sent[index]!.content ?? "", { hint: 4 });
    });
  });

  it("traces every tool call, offered tool and tool result of the turn, in every LLM and TOOL span", () => {
    checkTools(checks(), chainSpan(), checkLlmSpans(checks(), chainSpan(), model, { atLeast: 2 }));
  });
});

describe(titles.stillTrue(), () => {
  it(titles.taught("messages", "every LLM span lists the messages sent and the answer, with the finish reason"), () => {
    checkMessages(checks(), checkLlmSpans(checks(), chainSpan(), model, { atLeast: 2 }));
  });

  it(titles.taught("llm-attributes", "every LLM span names system, provider and model, and records request, response, parameters, tokens and status"), () => {
    checkLlmSpans(checks(), chainSpan(), model, { atLeast: 2 });
  });

  it(titles.taught("first-span", "the chat turn is one ended CHAIN root with the question, the reply (both cities) and status OK"), () => {
    checks().that(/Paris/.test(reply) && /Tokyo/.test(reply), { headline: "The reply should mention both cities.", expected: "Paris and Tokyo", got: reply });
    checkChainSpan(checks(), { question: QUESTION, reply });
  });

  // Last in the file: these checks replace the global tracer provider with the learner's own.
  it(titles.taught("tracer-setup", "tracing.ts sets up the provider, resource, exporters, context manager and Phoenix exporter"), async () => {
    for (const check of Object.values(tracerSetupChecks(tracing, harness.lesson))) await check();
  });
});
