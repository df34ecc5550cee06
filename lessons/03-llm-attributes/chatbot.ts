// Lesson 3: the model call gets its own LLM span, a child of the chat turn, recording which
// model was asked what, with which parameters, what came back, and how many tokens it cost.
// Run it: npx tsx lessons/03-llm-attributes/chatbot.ts "Hello!"
import { SpanStatusCode, trace } from "@opentelemetry/api";
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

  // TODO: wrap the call below in tracer.startActiveSpan("ChatCompletion", { attributes }, async (span) => { ... }), ending the span in `finally`.
  // TODO: start it with: kind LLM, LLM_SYSTEM = LLMSystem.OPENAI, LLM_PROVIDER = model.provider, LLM_MODEL_NAME = request.model,
  //       LLM_INVOCATION_PARAMETERS = JSON of invocationParameters, INPUT_VALUE = JSON of the request, INPUT_MIME_TYPE = MimeType.JSON.
  const response = await model.createChatCompletion(request);
  // TODO: record the response: LLM_MODEL_NAME = response.model, OUTPUT_VALUE = JSON of the response, OUTPUT_MIME_TYPE = MimeType.JSON.
  // TODO: record response.usage as LLM_TOKEN_COUNT_PROMPT, LLM_TOKEN_COUNT_COMPLETION and LLM_TOKEN_COUNT_TOTAL, then set status OK.
  return response;
}

if (isRunDirectly(import.meta.url)) {
  await runLesson({ setupTracing, phoenixExporter, chatTurn, defaultQuestion: "Hello! What can you do?" });
}
