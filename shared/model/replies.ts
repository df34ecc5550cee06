// The offline model's "brain": a pure function from a (validated) request to a reply.
// No randomness and no clock, so the same conversation always gets the same answer.
//
// 1. The last message is a tool result -> answer from the results of the last tool calls.
// 2. Otherwise read the last user message:
//    weather question -> get_weather calls (one per city, in parallel) or a question back;
//    arithmetic       -> a calculate call;
//    greeting         -> hello;  anything else -> an echo that says what the model can do.
// Tools are only called when the request offers them (and tool_choice is not "none").

import type {
  ChatCompletionRequest,
  ChatMessage,
  FinishReason,
  ToolCall,
} from "../openai/types.ts";
import { toolCallId } from "./ids.ts";
import { asksAboutWeather, findCities, findExpression } from "./intents.ts";
import { countTokens, truncateToTokens } from "./token-count.ts";
import { describeToolResult } from "./tool-results.ts";

export interface ModelReply {
  message: ChatMessage & { role: "assistant" };
  finishReason: FinishReason;
}

export const GREETING_REPLY =
  "Hello! I'm the workbook's offline model. Ask me about the weather in a city, or to calculate something.";
export const ASK_FOR_CITY = "Which city would you like the weather for?";
export const NO_WEATHER_TOOL = "I can't look up the weather without a weather tool.";
export const NO_CALCULATOR = "I can't do arithmetic without a calculator tool.";

const GREETING = /^(hi|hello|hey)\b/i;

/** What the model decided before ids and limits are applied: say something, or call tools. */
type Draft = { text: string } | { calls: Array<{ name: string; arguments: string }> };

export function composeReply(request: ChatCompletionRequest): ModelReply {
  const lastMessage = request.messages.at(-1);
  const draft =
    lastMessage?.role === "tool" ? answerFromToolResults(request.messages) : answerUser(request);
  return limitLength(toReply(draft, request.messages), request.max_tokens);
}

function answerUser(request: ChatCompletionRequest): Draft {
  const text = lastUserText(request.messages);
  const offered = new Set(
    request.tool_choice === "none" ? [] : (request.tools ?? []).map((tool) => tool.function.name),
  );

  const calls: Array<{ name: string; arguments: string }> = [];
  const sentences: string[] = [];

  if (asksAboutWeather(text)) {
    const cities = findCities(text);
    if (!offered.has("get_weather")) sentences.push(NO_WEATHER_TOOL);
    else if (cities.length === 0) sentences.push(ASK_FOR_CITY);
    else for (const city of cities) calls.push({ name: "get_weather", arguments: JSON.stringify({ city }) });
  }

  const expression = findExpression(text);
  if (expression !== undefined) {
    if (!offered.has("calculate")) sentences.push(NO_CALCULATOR);
    else calls.push({ name: "calculate", arguments: JSON.stringify({ expression }) });
  }

  if (calls.length > 0) return { calls };
  if (sentences.length > 0) return { text: sentences.join(" ") };
  if (GREETING.test(text)) return { text: GREETING_REPLY };
  return {
    text:
      `You said: "${text}". I'm a small offline model: I can chat, look up the weather ` +
      `(try "weather in Paris and Tokyo") and do arithmetic (try "calculate 12 * 7").`,
  };
}

/** One sentence per tool call of the last assistant turn, in call order. */
function answerFromToolResults(messages: ChatMessage[]): Draft {
  const callerIndex = messages.findLastIndex((message) => message.tool_calls !== undefined);
  const calls = messages[callerIndex]?.tool_calls ?? [];
  const results = messages.slice(callerIndex + 1);

  const sentences = calls.map((call) => {
    const result = results.find((message) => message.role === "tool" && message.tool_call_id === call.id);
    // validate.ts rejects a conversation with an unanswered call, so this is a fallback only.
    if (!result) return `The ${call.function.name} tool did not answer.`;
    return describeToolResult(call.function.name, result.content ?? "");
  });
  return { text: sentences.join(" ") };
}

/** The text of the last user message ("" when there is none). */
function lastUserText(messages: ChatMessage[]): string {
  const lastUser = messages.findLast((message) => message.role === "user");
  return (lastUser?.content ?? "").trim();
}

function toReply(draft: Draft, messages: ChatMessage[]): ModelReply {
  if ("text" in draft) {
    return { message: { role: "assistant", content: draft.text }, finishReason: "stop" };
  }
  const toolCalls: ToolCall[] = draft.calls.map((call, index) => ({
    id: toolCallId(messages, index),
    type: "function",
    function: { name: call.name, arguments: call.arguments },
  }));
  return { message: { role: "assistant", content: null, tool_calls: toolCalls }, finishReason: "tool_calls" };
}

/** `max_tokens` cuts the text after that many tokens and reports finish_reason "length". */
function limitLength(reply: ModelReply, maxTokens: number | undefined): ModelReply {
  const content = reply.message.content;
  if (maxTokens === undefined || content === null || countTokens(content) <= maxTokens) return reply;
  return {
    message: { ...reply.message, content: truncateToTokens(content, maxTokens) },
    finishReason: "length",
  };
}
