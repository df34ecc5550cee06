// What the tools lesson taught, checked on any later lesson's trace: each LLM span lists the tools it
// offered and the tool calls in its messages; each tool call the model made has a TOOL span
// under the chat turn, linked by id, whose result goes back to the model in the next call.
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  LLM_INPUT_MESSAGES,
  LLM_OUTPUT_MESSAGES,
  LLM_TOOLS,
  MESSAGE_CONTENT,
  MESSAGE_TOOL_CALLS,
  MESSAGE_TOOL_CALL_ID,
  MimeType,
  OUTPUT_MIME_TYPE,
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
import { findTool } from "../../chatbot/tools.ts";
import type { ChatMessage, ToolCall } from "../../openai/types.ts";
import { expectations, type SpanChecks } from "../span-checks.ts";
import type { RecordedCall } from "./llm-spans.ts";

export interface ToolRun {
  call: ToolCall;
  span: ReadableSpan;
  /** the tool threw (the errors lesson): ERROR, exception, and the error as its output */
  failed: boolean;
}

/** Checks the tool layer; returns each tool call with its TOOL span. */
export function checkTools(lessonChecks: SpanChecks, chain: ReadableSpan, calls: RecordedCall[]): ToolRun[] {
  const checks = lessonChecks.taughtIn("tools");
  const runs: ToolRun[] = [];
  for (const { span, request, response } of calls) {
    checks.flattened(span, LLM_TOOLS, `${LLM_TOOLS}.0.${TOOL_JSON_SCHEMA}, ${LLM_TOOLS}.1.${TOOL_JSON_SCHEMA}`, { hint: 1 });
    (request.tools ?? []).forEach((tool, index) => {
      checks.attribute(
        span,
        `${LLM_TOOLS}.${index}.${TOOL_JSON_SCHEMA}`,
        expectations.json(`the definition of ${tool.function.name}, JSON.stringify(tool)`, (parsed) => JSON.stringify(parsed) === JSON.stringify(tool)),
        { hint: 1 },
      );
    });
    checks.noAttribute(span, `${LLM_TOOLS}.${request.tools?.length ?? 0}.${TOOL_JSON_SCHEMA}`, `only ${request.tools?.length ?? 0} tool(s) were offered.`, { hint: 1 });
    request.messages.forEach((message, index) => checkToolFields(checks, span, `${LLM_INPUT_MESSAGES}.${index}.`, message));
    const answer = response?.choices[0]?.message;
    if (!answer) continue;
    checks.flattened(span, LLM_OUTPUT_MESSAGES, `${LLM_OUTPUT_MESSAGES}.0.${MESSAGE_TOOL_CALLS}.0.${TOOL_CALL_ID}, ...`, { hint: 2 });
    checkToolFields(checks, span, `${LLM_OUTPUT_MESSAGES}.0.`, answer);
    for (const call of answer.tool_calls ?? []) runs.push(checkToolSpan(lessonChecks, chain, call));
  }
  checkToolResultsSentBack(checks, calls, runs);
  checkAgentLoopOrder(checks, chain, calls, runs);
  return runs;
}

/** A message's tool calls (assistant) and the call it answers (tool), flattened. */
function checkToolFields(checks: SpanChecks, span: ReadableSpan, key: string, message: ChatMessage): void {
  message.tool_calls?.forEach((call, index) => {
    const callKey = `${key}${MESSAGE_TOOL_CALLS}.${index}.`;
    checks.attribute(span, callKey + TOOL_CALL_ID, call.id, { hint: 2 });
    checks.attribute(span, callKey + TOOL_CALL_FUNCTION_NAME, call.function.name, { hint: 2 });
    checks.attribute(span, callKey + TOOL_CALL_FUNCTION_ARGUMENTS_JSON, call.function.arguments, { hint: 2 });
  });
  if (message.tool_calls) {
    checks.noAttribute(span, `${key}${MESSAGE_TOOL_CALLS}.${message.tool_calls.length}.${TOOL_CALL_ID}`, `the message has ${message.tool_calls.length} tool call(s).`, { hint: 2 });
  }
  if (message.tool_call_id !== undefined) checks.attribute(span, key + MESSAGE_TOOL_CALL_ID, message.tool_call_id, { hint: 4 });
}

function checkToolSpan(lessonChecks: SpanChecks, chain: ReadableSpan, call: ToolCall): ToolRun {
  // Typed, so that TypeScript knows checks.fail() never returns.
  const checks: SpanChecks = lessonChecks.taughtIn("tools");
  const tools = checks.all({ kind: OpenInferenceSpanKind.TOOL });
  const span = tools.find((candidate) => candidate.attributes[TOOL_ID] === call.id);
  if (!span) {
    if (tools.length === 0) checks.atLeast(1, { kind: OpenInferenceSpanKind.TOOL }, `TOOL span for the ${call.function.name} call`, { hint: 3 });
    checks.fail({
      headline: `No TOOL span has tool.id = "${call.id}", the id of the model's ${call.function.name} call.`,
      expected: `a TOOL span with ${TOOL_ID} = "${call.id}"`,
      got: tools.some((candidate) => candidate.attributes[TOOL_ID] !== undefined)
        ? `tool.id values: ${tools.map((candidate) => JSON.stringify(candidate.attributes[TOOL_ID] ?? "(not set)")).join(", ")}`
        : "no TOOL span has a tool.id",
      hint: 3,
    });
  }
  checks.attribute(span, TOOL_ID, call.id, { hint: 3 });
  checks.childOf(span, chain, { hint: 3 });
  checks.attribute(span, TOOL_NAME, call.function.name, { hint: 3 });
  checks.attribute(span, INPUT_VALUE, call.function.arguments, { hint: 3 });
  checks.attribute(span, INPUT_MIME_TYPE, MimeType.JSON, { hint: 3 });
  const tool = findTool(call.function.name);
  if (tool) {
    checks.attribute(span, TOOL_DESCRIPTION, tool.description, { hint: 3 });
    checks.attribute(span, TOOL_PARAMETERS, expectations.json("JSON.stringify(tool.parameters)", (parsed) => JSON.stringify(parsed) === JSON.stringify(tool.parameters)), { hint: 3 });
  }
  // A tool failed when it threw (the errors lesson records the exception) and told the model so: {"error": ...}.
  const failed = span.events.some((event) => event.name === "exception") || toldAnError(span);
  // The result of a tool that worked is the tools lesson's; the error a failed tool reports is the errors lesson's.
  const outputChecks = failed ? lessonChecks.taughtIn("errors") : checks;
  const outputOptions = failed ? { hint: 3, usualMistake: 'record the {"error": ...} the tool returns to the model as the TOOL span\'s output too.' } : { hint: 3 };
  outputChecks.attribute(span, OUTPUT_VALUE, expectations.json(failed ? 'the error told to the model, {"error": "..."}' : "the tool's result, as the model is sent it"), outputOptions);
  outputChecks.attribute(span, OUTPUT_MIME_TYPE, MimeType.JSON, outputOptions);
  if (!failed) checks.status(span, "OK", { hint: 3 });
  return { call, span, failed };
}

function toldAnError(span: ReadableSpan): boolean {
  try {
    const result = JSON.parse(String(span.attributes[OUTPUT_VALUE])) as unknown;
    return typeof result === "object" && result !== null && "error" in result;
  } catch {
    return false;
  }
}

/** The next model call gets each result as a tool message: the same text the TOOL span recorded. */
function checkToolResultsSentBack(checks: SpanChecks, calls: RecordedCall[], runs: ToolRun[]): void {
  for (const run of runs) {
    const next = calls.find(({ request }) => request.messages.some((message) => message.tool_call_id === run.call.id));
    if (!next) continue;
    const index = next.request.messages.findIndex((message) => message.tool_call_id === run.call.id);
    checks.attribute(next.span, `${LLM_INPUT_MESSAGES}.${index}.${MESSAGE_CONTENT}`, String(run.span.attributes[OUTPUT_VALUE]), {
      hint: 4,
      usualMistake: "the TOOL span's output.value should be the very text sent back to the model in the tool message.",
    });
  }
}

/** Under the chat turn: each LLM span, then the TOOL spans of the calls it asked for, then the next LLM span. */
function checkAgentLoopOrder(checks: SpanChecks, chain: ReadableSpan, calls: RecordedCall[], runs: ToolRun[]): void {
  const expected = calls.flatMap(({ response }) => [OpenInferenceSpanKind.LLM, ...(response?.choices[0]?.message.tool_calls ?? []).map(() => OpenInferenceSpanKind.TOOL)]);
  // A retrieval step (the retrieval lesson) runs before the loop: its spans are not the loop's.
  const kinds = checks
    .childrenOf(chain)
    .map((span) => String(span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND]))
    .filter((kind) => kind !== OpenInferenceSpanKind.RETRIEVER && kind !== OpenInferenceSpanKind.EMBEDDING);
  checks.that(kinds.join(",") === expected.join(","), {
    headline: "The chat turn's children are not the agent loop: each LLM call, then a TOOL span per tool it called.",
    expected: expected.join(","),
    got: kinds.join(",") || "(no children)",
    // Said only when no span at all (ended or open, any kind spelling) is a TOOL span.
    mistake:
      runs.length === 0 && ![...checks.spans, ...checks.unended()].some((span) => String(span.attributes[SemanticConventions.OPENINFERENCE_SPAN_KIND]).toUpperCase() === OpenInferenceSpanKind.TOOL)
        ? "no TOOL span: wrap runTool's work in a span of kind TOOL."
        : undefined,
    hint: 3,
  });
}
