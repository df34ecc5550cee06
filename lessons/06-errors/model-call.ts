// One request to the model: the conversation so far, and the tools it may call, go in; its
// answer comes back. Lesson 3 traces it as an LLM span, a child of the chat turn: which model was
// asked what, with which parameters, what came back, and how many tokens it cost. Lesson 4 lists
// the conversation message by message, so Phoenix can show it as a chat; lesson 5, the tools
// offered to the model; lesson 6, a call that fails.
import { SpanStatusCode, trace } from "@opentelemetry/api";
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
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
} from "@arizeai/openinference-semantic-conventions";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import { toolDefinitions } from "../../shared/chatbot/tools.ts";
import type { ChatCompletion, ChatCompletionRequest, ChatMessage } from "../../shared/openai/types.ts";
import { errorMessage } from "./failure-replies.ts";
import { messageAttributes, offeredToolAttributes } from "./message-attributes.ts";

// The same tracer as the chat turn's: the name says which part of the program made a span.
const tracer = trace.getTracer("workbook-chatbot");

export async function callModel(model: ModelConnection, messages: ChatMessage[]): Promise<ChatCompletion> {
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
        // TODO 2: turn the `} finally {` below into `} catch (error) { ... } finally {`: in the catch, record the error on the
        //         LLM span (span.recordException(error)), set status ERROR with its message, and rethrow it for chatTurn to handle.
      } finally {
        span.end();
      }
    },
  );
}
