// Lesson 5: tools. The model may answer with tool calls instead of text; the chatbot runs
// each tool, sends the results back, and asks again. Traced end to end: the LLM span lists
// the tools offered and the calls made, each call gets a TOOL span linked by its id, and the
// next LLM span shows the results going back to the model.
// Run it: npx tsx lessons/05-tools/chatbot.ts "What's the weather in Paris and in Tokyo?"
import { SpanStatusCode, trace, type Attributes } from "@opentelemetry/api";
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  LLMSystem,
  LLM_FINISH_REASON,
  LLM_INPUT_MESSAGES,
  LLM_INVOCATION_PARAMETERS,
  LLM_MODEL_NAME,
  LLM_OUTPUT_MESSAGES,
  LLM_PROVIDER,
  LLM_SYSTEM,
  LLM_TOKEN_COUNT_COMPLETION,
  LLM_TOKEN_COUNT_PROMPT,
  LLM_TOKEN_COUNT_TOTAL,
  LLM_TOOLS,
  MESSAGE_CONTENT,
  MESSAGE_ROLE,
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
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { ChatCompletion, ChatCompletionRequest, ChatMessage, ToolCall, ToolDefinition } from "../../shared/openai/types.ts";
import { findTool, toolDefinitions } from "../../shared/chatbot/tools.ts";
import { isRunDirectly, runLesson } from "../../shared/lesson-runner/run-lesson.ts";
import { phoenixExporter, setupTracing } from "./tracing.ts";

const SYSTEM_PROMPT = "You are a helpful assistant. Use the tools when they help. Answer in one or two sentences.";
/** A model that keeps calling tools must not loop forever. */
const MAX_MODEL_CALLS = 5;

// A tracer is cheap; get it once. Its spans go to whatever provider is registered globally.
const tracer = trace.getTracer("workbook-chatbot");

export async function chatTurn(model: ModelConnection, userMessage: string): Promise<string> {
  // startActiveSpan makes the span "current" inside the callback, so spans started there
  // (model calls and tool runs) become its children.
  return tracer.startActiveSpan(
    "chat_turn",
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
        [INPUT_VALUE]: userMessage,
        [INPUT_MIME_TYPE]: MimeType.TEXT,
      },
    },
    async (span) => {
      try {
        const messages: ChatMessage[] = [
          { role: "system", content: SYSTEM_PROMPT },
          { role: "user", content: userMessage },
        ];
        let reply = `I could not finish the answer within ${MAX_MODEL_CALLS} steps.`;
        // The agent loop: ask the model; if it calls tools, run them, add the results, ask again.
        for (let call = 1; call <= MAX_MODEL_CALLS; call++) {
          const response = await callModel(model, messages);
          const answer = response.choices[0]?.message ?? { role: "assistant" as const, content: "" };
          messages.push(answer);
          if (!answer.tool_calls?.length) {
            reply = answer.content ?? "";
            break;
          }
          for (const toolCall of answer.tool_calls) {
            const result = await runTool(toolCall);
            messages.push({ role: "tool", tool_call_id: toolCall.id, content: result });
          }
        }

        span.setAttributes({ [OUTPUT_VALUE]: reply, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
        span.setStatus({ code: SpanStatusCode.OK });
        return reply;
      } finally {
        // A span that is never ended is never exported. `finally` ends it on every path.
        span.end();
      }
    },
  );
}

/** One request to the model, traced as an LLM span. */
async function callModel(model: ModelConnection, messages: ChatMessage[]): Promise<ChatCompletion> {
  const tools = toolDefinitions();
  const request: ChatCompletionRequest = { model: model.model, messages, tools, temperature: 0.2 };
  // The invocation parameters are the request without its messages (model, temperature, tools, ...):
  // copy every field but `messages`.
  const { messages: _messages, ...invocationParameters } = request;

  return tracer.startActiveSpan(
    "ChatCompletion",
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM,
        // llm.system is the API family (OpenAI-compatible); llm.provider is who served it.
        [LLM_SYSTEM]: LLMSystem.OPENAI,
        [LLM_PROVIDER]: model.provider,
        [LLM_MODEL_NAME]: request.model,
        [LLM_INVOCATION_PARAMETERS]: JSON.stringify(invocationParameters),
        [INPUT_VALUE]: JSON.stringify(request),
        [INPUT_MIME_TYPE]: MimeType.JSON,
        ...messageAttributes(LLM_INPUT_MESSAGES, request.messages),
        // TODO: list the tools offered to the model: spread offeredToolAttributes(tools) here, and fill in that function below.
      },
    },
    async (span) => {
      try {
        const response = await model.createChatCompletion(request);
        span.setAttributes({
          // The response names the exact model version that answered.
          [LLM_MODEL_NAME]: response.model,
          [OUTPUT_VALUE]: JSON.stringify(response),
          [OUTPUT_MIME_TYPE]: MimeType.JSON,
        });
        const choice = response.choices[0];
        if (choice) {
          span.setAttributes({
            ...messageAttributes(LLM_OUTPUT_MESSAGES, [choice.message]),
            [LLM_FINISH_REASON]: choice.finish_reason,
          });
        }
        if (response.usage) {
          span.setAttributes({
            [LLM_TOKEN_COUNT_PROMPT]: response.usage.prompt_tokens,
            [LLM_TOKEN_COUNT_COMPLETION]: response.usage.completion_tokens,
            [LLM_TOKEN_COUNT_TOTAL]: response.usage.total_tokens,
          });
        }
        span.setStatus({ code: SpanStatusCode.OK });
        return response;
      } finally {
        span.end();
      }
    },
  );
}

/** Runs one tool call from the model, traced as a TOOL span; returns the result for the model. */
async function runTool(toolCall: ToolCall): Promise<string> {
  const tool = findTool(toolCall.function.name);
  // TODO: wrap this in tracer.startActiveSpan(toolCall.function.name, { attributes }, async (span) => { ... }), ending it in `finally`.
  // TODO: start it with: kind TOOL, TOOL_NAME, TOOL_ID = toolCall.id (links it to the model's call), TOOL_DESCRIPTION and
  //       TOOL_PARAMETERS (JSON of tool.parameters) when the tool is known, INPUT_VALUE = the arguments, INPUT_MIME_TYPE = MimeType.JSON.
  if (!tool) throw new Error(`Unknown tool: ${toolCall.function.name}`);
  const result = JSON.stringify(await tool.run(JSON.parse(toolCall.function.arguments) as Record<string, unknown>));
  // TODO: record the result: OUTPUT_VALUE = result, OUTPUT_MIME_TYPE = MimeType.JSON; status OK.
  return result;
}

/** Each tool offered to the model, as its full JSON definition: llm.tools.0.tool.json_schema = "{...}", ... */
function offeredToolAttributes(tools: ToolDefinition[]): Attributes {
  const attributes: Attributes = {};
  // TODO: for each tool at index i, set `${LLM_TOOLS}.${i}.${TOOL_JSON_SCHEMA}` to JSON.stringify(tool).
  return attributes;
}

/**
 * Span attributes are flat (no nested objects), so a list of messages becomes indexed keys:
 * llm.input_messages.0.message.role = "system", llm.input_messages.0.message.content = "...", ...
 */
function messageAttributes(prefix: string, messages: ChatMessage[]): Attributes {
  const attributes: Attributes = {};
  messages.forEach((message, index) => {
    const key = `${prefix}.${index}.`;
    attributes[key + MESSAGE_ROLE] = message.role;
    // An assistant message that only calls tools has null content: leave the key out.
    if (message.content !== null) attributes[key + MESSAGE_CONTENT] = message.content;
    // TODO: flatten each of message.tool_calls at index j under `${key}${MESSAGE_TOOL_CALLS}.${j}.`: TOOL_CALL_ID, TOOL_CALL_FUNCTION_NAME, TOOL_CALL_FUNCTION_ARGUMENTS_JSON.
    // TODO: on a tool result, set `${key}${MESSAGE_TOOL_CALL_ID}` to message.tool_call_id, naming the call it answers.
  });
  return attributes;
}

if (isRunDirectly(import.meta.url)) {
  await runLesson({ setupTracing, phoenixExporter, chatTurn, defaultQuestion: "What's the weather in Paris and in Tokyo?" });
}
