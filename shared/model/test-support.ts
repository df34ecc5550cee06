// Helpers for the offline model's own tests: requests to build, responses to read.
// (Not a test double: the tests start the real server and talk to it over HTTP.)

import type {
  ChatCompletionChunk,
  ChatCompletionRequest,
  ChatMessage,
  ToolDefinition,
} from "../openai/types.ts";
import type { OfflineModel } from "./offline-model.ts";

export const WEATHER_TOOL: ToolDefinition = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Get the current weather in a city.",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

export const CALCULATOR_TOOL: ToolDefinition = {
  type: "function",
  function: {
    name: "calculate",
    description: "Evaluate an arithmetic expression.",
    parameters: { type: "object", properties: { expression: { type: "string" } }, required: ["expression"] },
  },
};

export const TOOLS = [WEATHER_TOOL, CALCULATOR_TOOL];

export function user(content: string): ChatMessage {
  return { role: "user", content };
}

/** A request with one user message (and the two tools unless told otherwise). */
export function ask(text: string, extra: Partial<ChatCompletionRequest> = {}): ChatCompletionRequest {
  return { model: "test-model", messages: [user(text)], tools: TOOLS, ...extra };
}

/** POSTs any body (an object is sent as JSON, a string as it is). */
export function postChat(model: OfflineModel, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(`${model.baseUrl}/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

/** The `data:` payloads of a finished SSE body, "[DONE]" included as a string. */
export function sseData(text: string): string[] {
  return text
    .split("\n\n")
    .filter((event) => event.startsWith("data: "))
    .map((event) => event.slice("data: ".length));
}

export function chunksOf(text: string): ChatCompletionChunk[] {
  return sseData(text)
    .filter((data) => data !== "[DONE]")
    .map((data) => JSON.parse(data) as ChatCompletionChunk);
}

/** What a careful client makes of a stream: text, tool calls joined by `index`, finish reason, usage. */
export interface AssembledStream {
  role: string | undefined;
  content: string;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finishReason: string | null;
  usage: ChatCompletionChunk["usage"];
}

export function assembleStream(chunks: ChatCompletionChunk[]): AssembledStream {
  const assembled: AssembledStream = { role: undefined, content: "", toolCalls: [], finishReason: null, usage: undefined };
  for (const chunk of chunks) {
    if (chunk.usage) assembled.usage = chunk.usage; // on the last chunk, whatever its choices
    for (const choice of chunk.choices) {
      const { delta } = choice;
      assembled.role ??= delta.role;
      assembled.content += delta.content ?? "";
      for (const call of delta.tool_calls ?? []) {
        const slot = (assembled.toolCalls[call.index] ??= { id: "", name: "", arguments: "" });
        slot.id += call.id ?? "";
        slot.name += call.function?.name ?? "";
        slot.arguments += call.function?.arguments ?? "";
      }
      if (choice.finish_reason) assembled.finishReason = choice.finish_reason;
    }
  }
  return assembled;
}
