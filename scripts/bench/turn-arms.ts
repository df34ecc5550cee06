// The two arms of the comparison with the official instrumentation (official-comparison.ts), as
// turns: the same conversation in, the reply out.
// - app: the app's own chat turn (chatTurn / streamChatTurn), its LLM spans made by hand;
// - official: the app's same turn (tracedTurn: its CHAIN span, agent loop and TOOL spans) with
//   each model call made through the `openai` SDK patched by
//   @arizeai/openinference-instrumentation-openai, which makes the LLM span;
// - sdk: the same as official without the instrumentation (the bare `openai` SDK), to tell what
//   the instrumentation costs when tracing is off.
// The app's modules are imported when an arm is built, after the caller has set up tracing.
import { context } from "@opentelemetry/api";
import { setSession } from "@arizeai/openinference-core";
import { OpenAIInstrumentation } from "@arizeai/openinference-instrumentation-openai";
import * as openaiModule from "openai";
import { connectModel } from "../../shared/chatbot/connect-model.ts";
import { toolDefinitions } from "../../shared/chatbot/tools.ts";
import type { ChatMessage, ToolCall } from "../../shared/openai/types.ts";
import type { ConversationMessage } from "../../solutions/app/api.ts";

/** What one setting is: the conversation's length, plain or streamed, in a session or not. */
export interface TurnSetting {
  history: number;
  streamed: boolean;
  session: boolean;
}

export const SESSION_ID = "bench-session-7f3a";

/** Runs `turn` as the app's route does: in a session (setSession puts session.id in the context) or not. */
export function inSetting<T>(setting: { session: boolean }, turn: () => Promise<T>): Promise<T> {
  return setting.session ? context.with(setSession(context.active(), { sessionId: SESSION_ID }), turn) : turn();
}

export type Turn = (conversation: ConversationMessage[], streamed: boolean) => Promise<string>;

/** The app's turn as its routes run it. */
export async function appTurn(baseUrl: string): Promise<Turn> {
  const { chatTurn, streamChatTurn } = await import("../../solutions/app/server/chatbot.ts");
  const model = await connectModel({ env: { OPENAI_BASE_URL: baseUrl, OPENAI_MODEL: "workbook-offline" } });
  return async (conversation, streamed) => (streamed ? (await streamChatTurn(model, conversation, { onText: () => {} })).reply : chatTurn(model, conversation));
}

/**
 * The same turn (the app's tracedTurn: its CHAIN span, its agent loop, its TOOL spans) with each
 * model call made through the `openai` SDK, patched by the official instrumentation as its docs
 * say for ESM (manuallyInstrument): the official LLM span per call.
 */
export async function officialTurn(baseUrl: string, { instrument = true }: { instrument?: boolean } = {}): Promise<Turn> {
  if (instrument) {
    const instrumentation = new OpenAIInstrumentation();
    instrumentation.manuallyInstrument(openaiModule as unknown as Parameters<typeof instrumentation.manuallyInstrument>[0]);
  }
  const client = new openaiModule.OpenAI({ baseURL: baseUrl, apiKey: "not-needed-offline" });
  const { tracedTurn } = await import("../../solutions/app/server/chatbot.ts");
  const tools = toolDefinitions();
  const request = (messages: ChatMessage[], toolChoiceNone: boolean) => ({
    model: "workbook-offline",
    messages,
    tools,
    ...(toolChoiceNone ? { tool_choice: "none" as const } : {}),
    temperature: 0.2,
  });
  type Params = openaiModule.OpenAI.ChatCompletionCreateParamsNonStreaming;
  return async (conversation, streamed) => {
    const { reply } = await tracedTurn(conversation, async (messages, toolChoiceNone) => {
      if (!streamed) {
        const response = await client.chat.completions.create(request(messages, toolChoiceNone) as unknown as Params);
        return { message: (response.choices[0]?.message ?? { role: "assistant", content: "" }) as ChatMessage, stopped: false };
      }
      // Streamed: the answer put together from the chunks, as the app does.
      const stream = await client.chat.completions.create({
        ...(request(messages, toolChoiceNone) as unknown as Params),
        stream: true,
        stream_options: { include_usage: true },
      });
      let text = "";
      const toolCalls: ToolCall[] = [];
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta;
        if (!delta) continue;
        if (delta.content) text += delta.content;
        for (const piece of delta.tool_calls ?? []) {
          const call = (toolCalls[piece.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
          if (piece.id) call.id = piece.id;
          if (piece.function?.name) call.function.name += piece.function.name;
          if (piece.function?.arguments) call.function.arguments += piece.function.arguments;
        }
      }
      const calls = toolCalls.filter(Boolean);
      const message: ChatMessage = { role: "assistant", content: text === "" && calls.length > 0 ? null : text, ...(calls.length ? { tool_calls: calls } : {}) };
      return { message, stopped: false };
    });
    return reply;
  };
}
