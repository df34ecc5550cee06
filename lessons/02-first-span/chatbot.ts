// The chatbot: one chat turn answers the user's message. The model may call tools (the weather,
// a calculator) before it answers: the agent loop runs them and asks again. A model that fails
// ends the turn with a reply that says what happened, not a crash. Lesson 2 traces the turn as a
// CHAIN span: what the user asked, what the bot answered, and how it went.
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
import { explainModelFailure, isModelFailure } from "./failure-replies.ts";
import { callModel } from "./model-call.ts";
import { runTool } from "./tool-call.ts";

const SYSTEM_PROMPT = "You are a helpful assistant. Use the tools when they help. Answer in one or two sentences.";
/** A model that keeps calling tools must not loop forever. */
const MAX_MODEL_CALLS = 5;

// TODO 1: get a tracer once, with trace.getTracer("workbook-chatbot"); its spans go to the globally registered provider.

export async function chatTurn(model: ModelConnection, userMessage: string): Promise<string> {
  // TODO 2: wrap this whole function body in tracer.startActiveSpan("chat_turn", { attributes }, async (span) => { ... }).
  // TODO 3: in those attributes, set the span kind (SemanticConventions.OPENINFERENCE_SPAN_KIND) to OpenInferenceSpanKind.CHAIN,
  //         and the input: INPUT_VALUE = userMessage, INPUT_MIME_TYPE = MimeType.TEXT.
  const messages: ChatMessage[] = [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: userMessage },
  ];
  try {
    const reply = await runAgentLoop(model, messages);
    // TODO 4: record the output (OUTPUT_VALUE = reply, OUTPUT_MIME_TYPE = MimeType.TEXT) and set the status to SpanStatusCode.OK.
    return reply;
  } catch (error) {
    // A model that fails ends the turn with a reply that says what happened. Any other error is a
    // bug in the chatbot: it goes on up, with its stack, rather than hide behind a polite reply.
    if (!isModelFailure(error)) throw error;
    return explainModelFailure(error);
  }
  // TODO 5: end the span in a `finally` block, so it is ended (and exported) on every path, a failed model call too.
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
