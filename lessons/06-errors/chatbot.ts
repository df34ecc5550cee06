// Lesson 6: errors. A model call that fails, a tool that throws, a model that is too slow:
// each leaves an ended span with ERROR status and the exception recorded, and the chatbot
// still answers with something useful.
// Run it: npx tsx lessons/06-errors/chatbot.ts "What's the weather in Atlantis?"
// or make the model fail: npx tsx lessons/06-errors/chatbot.ts "Hello [[fault:http-500]]"
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
import {
  ModelApiError,
  ModelConnectionCutError,
  ModelConnectionError,
  ModelResponseError,
  ModelTimeoutError,
} from "../../shared/chatbot/model-errors.ts";
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
          // TODO: catch a failing callModel here, and `return explainModelFailure(error)` right away (return, not break: the OK
          //       status set after the loop would override ERROR). Before returning, record that reply as the CHAIN span's output
          //       and set the CHAIN span's status to ERROR (message: what failed).
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
        ...offeredToolAttributes(tools),
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
        // TODO: turn the `} finally {` below into `} catch (error) { ... } finally {`: in the catch, record the error on the
        //       LLM span (span.recordException(error)), set status ERROR with its message, and rethrow it for chatTurn to handle.
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Runs one tool call from the model, traced as a TOOL span; returns the result for the model.
 * A failing tool does not end the turn: the model is told what went wrong and can say so.
 */
async function runTool(toolCall: ToolCall): Promise<string> {
  const tool = findTool(toolCall.function.name);
  return tracer.startActiveSpan(
    toolCall.function.name,
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.TOOL,
        [TOOL_NAME]: toolCall.function.name,
        // tool.id ties this span to the tool_call.id in the LLM span that asked for it.
        [TOOL_ID]: toolCall.id,
        // What the tool is, when the model named a tool we have (an unknown name fails below).
        ...(tool ? { [TOOL_DESCRIPTION]: tool.description, [TOOL_PARAMETERS]: JSON.stringify(tool.parameters) } : {}),
        [INPUT_VALUE]: toolCall.function.arguments,
        [INPUT_MIME_TYPE]: MimeType.JSON,
      },
    },
    async (span) => {
      try {
        if (!tool) throw new Error(`Unknown tool: ${toolCall.function.name}`);
        const result = JSON.stringify(await tool.run(JSON.parse(toolCall.function.arguments) as Record<string, unknown>));
        span.setAttributes({ [OUTPUT_VALUE]: result, [OUTPUT_MIME_TYPE]: MimeType.JSON });
        span.setStatus({ code: SpanStatusCode.OK });
        return result;
        // TODO: turn the `} finally {` below into `} catch (error) { ... } finally {`: in the catch, record the exception on the
        //       TOOL span, set status ERROR, and instead of throwing return JSON.stringify({ error: message }) (also as the
        //       span's output), so the model is told what failed.
      } finally {
        span.end();
      }
    },
  );
}

/** Each tool offered to the model, as its full JSON definition: llm.tools.0.tool.json_schema = "{...}", ... */
function offeredToolAttributes(tools: ToolDefinition[]): Attributes {
  const attributes: Attributes = {};
  tools.forEach((tool, index) => {
    attributes[`${LLM_TOOLS}.${index}.${TOOL_JSON_SCHEMA}`] = JSON.stringify(tool);
  });
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
    // Tool calls nest one level deeper: ...message.tool_calls.0.tool_call.function.name
    message.tool_calls?.forEach((toolCall, callIndex) => {
      const callKey = `${key}${MESSAGE_TOOL_CALLS}.${callIndex}.`;
      attributes[callKey + TOOL_CALL_ID] = toolCall.id;
      attributes[callKey + TOOL_CALL_FUNCTION_NAME] = toolCall.function.name;
      attributes[callKey + TOOL_CALL_FUNCTION_ARGUMENTS_JSON] = toolCall.function.arguments;
    });
    // A tool result names the call it answers.
    if (message.tool_call_id) attributes[key + MESSAGE_TOOL_CALL_ID] = message.tool_call_id;
  });
  return attributes;
}

/** What the user reads when the model call failed: the cause, and what to do. */
function explainModelFailure(error: unknown): string {
  if (error instanceof ModelApiError && error.status === 429) {
    // Only the provider knows how long to wait (retry-after); without it, say nothing invented.
    const wait = error.retryAfterSeconds === null ? "in a moment" : `in ${error.retryAfterSeconds} seconds`;
    return `The model is busy (rate limited). Please try again ${wait}.`;
  }
  if (error instanceof ModelApiError && error.status >= 500) {
    return `The model service had an error (HTTP ${error.status}). Please try again in a moment.`;
  }
  if (error instanceof ModelApiError) return `The model rejected the request (HTTP ${error.status}): ${error.message}`;
  if (error instanceof ModelTimeoutError) return "The model took too long to answer. Please try again.";
  if (error instanceof ModelResponseError) return "The model sent an answer I could not read. Please try again.";
  // Reached, then cut off mid-answer: not the same as never reached.
  if (error instanceof ModelConnectionCutError) return "The model's answer was cut off. Please try again.";
  if (error instanceof ModelConnectionError) return "I could not reach the model. Please check that it is running.";
  return `Something went wrong while asking the model: ${errorMessage(error)}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (isRunDirectly(import.meta.url)) {
  await runLesson({ setupTracing, phoenixExporter, chatTurn, defaultQuestion: "What's the weather in Atlantis?" });
}
