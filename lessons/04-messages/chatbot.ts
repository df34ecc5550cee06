// Lesson 4: the LLM span lists the conversation message by message, flattened into indexed
// attributes (llm.input_messages.0.message.role, ...), so Phoenix can show it as a chat.
// Run it: npx tsx lessons/04-messages/chatbot.ts "Hello!"
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
  MESSAGE_CONTENT,
  MESSAGE_ROLE,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
} from "@arizeai/openinference-semantic-conventions";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { ChatCompletion, ChatCompletionRequest, ChatMessage } from "../../shared/openai/types.ts";
import { isRunDirectly, runLesson } from "../../shared/lesson-runner/run-lesson.ts";
import { phoenixExporter, setupTracing } from "./tracing.ts";

const SYSTEM_PROMPT = "You are a helpful assistant. Answer in one or two sentences.";

// A tracer is cheap; get it once. Its spans go to whatever provider is registered globally.
const tracer = trace.getTracer("workbook-chatbot");

export async function chatTurn(model: ModelConnection, userMessage: string): Promise<string> {
  // startActiveSpan makes the span "current" inside the callback, so spans started there
  // (the model call) become its children.
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
        const response = await callModel(model, messages);
        const reply = response.choices[0]?.message.content ?? "";

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
  const request: ChatCompletionRequest = { model: model.model, messages, temperature: 0.2 };
  // The invocation parameters are the request without its messages (model, temperature, ...):
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
        // TODO: add the request's messages here, flattened with messageAttributes(LLM_INPUT_MESSAGES, request.messages).
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
        // TODO: record the answer, response.choices[0].message, with messageAttributes(LLM_OUTPUT_MESSAGES, [message]),
        //       and why the model stopped: LLM_FINISH_REASON = response.choices[0].finish_reason.
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

/**
 * Span attributes are flat (no nested objects), so a list of messages becomes indexed keys:
 * llm.input_messages.0.message.role = "system", llm.input_messages.0.message.content = "...", ...
 */
function messageAttributes(prefix: string, messages: ChatMessage[]): Attributes {
  const attributes: Attributes = {};
  // TODO: for each message at index i, set `${prefix}.${i}.${MESSAGE_ROLE}` to its role and `${prefix}.${i}.${MESSAGE_CONTENT}` to its content (only when content is not null).
  return attributes;
}

if (isRunDirectly(import.meta.url)) {
  await runLesson({ setupTracing, phoenixExporter, chatTurn, defaultQuestion: "Hello! What can you do?" });
}
