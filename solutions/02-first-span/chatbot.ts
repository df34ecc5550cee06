// Lesson 2: the first span. One chat turn becomes one CHAIN span that records what the user
// asked, what the bot answered, and how it went.
// Run it: npx tsx lessons/02-first-span/chatbot.ts "Hello!"
import { SpanStatusCode, trace } from "@opentelemetry/api";
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
} from "@arizeai/openinference-semantic-conventions";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { ChatMessage } from "../../shared/openai/types.ts";
import { isRunDirectly, runLesson } from "../../shared/lesson-runner/run-lesson.ts";
import { phoenixExporter, setupTracing } from "./tracing.ts";

const SYSTEM_PROMPT = "You are a helpful assistant. Answer in one or two sentences.";

// A tracer is cheap; get it once. Its spans go to whatever provider is registered globally.
const tracer = trace.getTracer("workbook-chatbot");

export async function chatTurn(model: ModelConnection, userMessage: string): Promise<string> {
  // startActiveSpan makes the span "current" inside the callback, so spans started there
  // (the model call, in the next lesson) become its children.
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
        const response = await model.createChatCompletion({ model: model.model, messages, temperature: 0.2 });
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

if (isRunDirectly(import.meta.url)) {
  await runLesson({ setupTracing, phoenixExporter, chatTurn, defaultQuestion: "Hello! What can you do?" });
}
