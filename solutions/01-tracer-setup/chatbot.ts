// The chatbot: one chat turn answers the user's message. The model may call tools (the weather,
// a calculator) before it answers: the agent loop runs them and asks again. A model that fails
// ends the turn with a reply that says what happened, not a crash. Lesson 2 traces the turn.
// Run it: npx tsx lessons/<lesson>/chatbot.ts "What's the weather in Paris?"  (no question: the lesson's own)
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { ChatMessage } from "../../shared/openai/types.ts";
import { isRunDirectly, runLessonEntry } from "../../shared/lesson-runner/run-entry.ts";
import { explainModelFailure, isModelFailure } from "./failure-replies.ts";
import { callModel } from "./model-call.ts";
import { runTool } from "./tool-call.ts";

const SYSTEM_PROMPT = "You are a helpful assistant. Use the tools when they help. Answer in one or two sentences.";
/** A model that keeps calling tools must not loop forever. */
const MAX_MODEL_CALLS = 5;

export async function chatTurn(model: ModelConnection, userMessage: string): Promise<string> {
  const messages: ChatMessage[] = [
    { role: "system", content: SYSTEM_PROMPT },
    { role: "user", content: userMessage },
  ];
  try {
    return await runAgentLoop(model, messages);
  } catch (error) {
    // A model that fails ends the turn with a reply that says what happened. Any other error is a
    // bug in the chatbot: it goes on up, with its stack, rather than hide behind a polite reply.
    if (!isModelFailure(error)) throw error;
    return explainModelFailure(error);
  }
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
