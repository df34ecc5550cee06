// The chatbot: one chat turn answers the user's message. The model may call tools (the weather,
// a calculator) before it answers: the agent loop runs them and asks again. A model that fails
// ends the turn with a reply that says what happened, not a crash. Lesson 2 traces the turn as a
// CHAIN span: what the user asked, what the bot answered, and how it went; lesson 6 makes a
// failed turn stand out.
// Run it: npx tsx lessons/<lesson>/chatbot.ts "What's the weather in Paris?"  (no question: the lesson's own)
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
import { isRunDirectly, runLessonEntry } from "../../shared/lesson-runner/run-entry.ts";
import { errorMessage, explainModelFailure, isModelFailure } from "./failure-replies.ts";
import { callModel } from "./model-call.ts";
import { runTool } from "./tool-call.ts";

const SYSTEM_PROMPT = "You are a helpful assistant. Use the tools when they help. Answer in one or two sentences.";
/** A model that keeps calling tools must not loop forever. */
const MAX_MODEL_CALLS = 5;

// A tracer is cheap; get it once. Its spans go to whatever provider is registered globally.
const tracer = trace.getTracer("workbook-chatbot");

export async function chatTurn(model: ModelConnection, userMessage: string): Promise<string> {
  // startActiveSpan makes the span "current" inside the callback, so spans started there
  // (model calls and tool runs, from lesson 3 on) become its children.
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
      const messages: ChatMessage[] = [
        { role: "system", content: SYSTEM_PROMPT },
        { role: "user", content: userMessage },
      ];
      try {
        const reply = await runAgentLoop(model, messages);
        span.setAttributes({ [OUTPUT_VALUE]: reply, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
        span.setStatus({ code: SpanStatusCode.OK });
        return reply;
      } catch (error) {
        // Any error but a model's is a bug in the chatbot: it goes on up, with its stack.
        if (!isModelFailure(error)) throw error;
        // The LLM span already holds the exception. The turn fails gracefully: a useful reply for
        // the user, recorded as the turn's output, and an ERROR status so the failed turn stands out.
        const apology = explainModelFailure(error);
        span.setAttributes({ [OUTPUT_VALUE]: apology, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
        span.setStatus({ code: SpanStatusCode.ERROR, message: `model call failed: ${errorMessage(error)}` });
        return apology;
      } finally {
        // A span that is never ended is never exported. `finally` ends it on every path.
        span.end();
      }
    },
  );
}

/** Ask the model; if it calls tools, run them, add the results, ask again; until it answers. */
async function runAgentLoop(model: ModelConnection, messages: ChatMessage[]): Promise<string> {
  for (let call = 1; call <= MAX_MODEL_CALLS; call++) {
    const response = await callModel(model, messages);
    const answer = response.choices[0]?.message ?? { role: "assistant" as const, content: "" };
    messages.push(answer);
    if (!answer.tool_calls?.length) return answer.content ?? "";
    for (const toolCall of answer.tool_calls) {
      messages.push({ role: "tool", tool_call_id: toolCall.id, content: await runTool(toolCall) });
    }
  }
  return `I could not finish the answer within ${MAX_MODEL_CALLS} steps.`;
}

// Run as a script (not imported by a test): the lesson runs as lessons/lessons.json says.
if (isRunDirectly(import.meta.url)) void runLessonEntry(import.meta.url);
