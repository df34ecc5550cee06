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

// TODO: get a tracer once, with trace.getTracer("workbook-chatbot"); its spans go to the globally registered provider.

export async function chatTurn(model: ModelConnection, userMessage: string): Promise<string> {
  // TODO: wrap this whole function body in tracer.startActiveSpan("chat_turn", { attributes }, async (span) => { ... }).
  // TODO: in those attributes, set the span kind (SemanticConventions.OPENINFERENCE_SPAN_KIND) to OpenInferenceSpanKind.CHAIN, and the input: INPUT_VALUE = userMessage, INPUT_MIME_TYPE = MimeType.TEXT.
  const messages: ChatMessage[] = [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: userMessage },
  ];
  const response = await model.createChatCompletion({ model: model.model, messages, temperature: 0.2 });
  const reply = response.choices[0]?.message.content ?? "";

  // TODO: record the output (OUTPUT_VALUE = reply, OUTPUT_MIME_TYPE = MimeType.TEXT) and set the status to SpanStatusCode.OK.
  // TODO: end the span in a `finally` block, so it is ended (and exported) even when the model call throws.
  return reply;
}

if (isRunDirectly(import.meta.url)) {
  await runLesson({ setupTracing, phoenixExporter, chatTurn, defaultQuestion: "Hello! What can you do?" });
}
