// The chatbot before any instrumentation: one chat turn sends the conversation to the model
// and returns its answer. Run it: npx tsx lessons/01-tracer-setup/chatbot.ts "Hello!"
// Nothing to edit here in lesson 1; lesson 2 wraps the turn in its first span.
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { ChatMessage } from "../../shared/openai/types.ts";
import { isRunDirectly, runLesson } from "../../shared/lesson-runner/run-lesson.ts";
import { phoenixExporter, setupTracing } from "./tracing.ts";

const SYSTEM_PROMPT = "You are a helpful assistant. Answer in one or two sentences.";

export async function chatTurn(model: ModelConnection, userMessage: string): Promise<string> {
  const messages: ChatMessage[] = [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: userMessage },
  ];
  const response = await model.createChatCompletion({ model: model.model, messages, temperature: 0.2 });
  return response.choices[0]?.message.content ?? "";
}

if (isRunDirectly(import.meta.url)) {
  await runLesson({ setupTracing, phoenixExporter, chatTurn, defaultQuestion: "Hello! What can you do?" });
}
