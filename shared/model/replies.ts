// The offline model's "brain": a pure function from a (validated) request to a reply.
// No randomness and no clock, so the same conversation always gets the same answer.
//
// 1. The last message is a tool result -> answer from the results of the last tool calls.
// 2. Otherwise read the last user message, in the light of the conversation before it:
//    "what did I ask first?" -> quotes the first user message;
//    weather question -> get_weather calls (one per city, in parallel) or a question back;
//    a follow-up ("And in London?") to a weather question -> get_weather for its cities;
//    arithmetic       -> a calculate call;
//    greeting         -> hello;
//    a prompt with retrieved documents (documents-in-prompt.ts) -> an answer from them, citing
//                        each one used as [id], or "none of the documents covers that";
//    anything else    -> an echo that says what the model can do.
// 3. A judge's request (response_format json_schema with a label enum) -> its verdict (judge.ts).
// Tools are only called when the request offers them (and tool_choice is not "none").

import type {
  ChatCompletionRequest,
  ChatMessage,
  FinishReason,
  ToolCall,
} from "../openai/types.ts";
import { toolCallIds } from "./ids.ts";
import {
  asksAboutWeather,
  asksForFirstMessage,
  findCities,
  findExpression,
  isFollowUp,
} from "./intents.ts";
import { judgeReply } from "./judge.ts";
import { documentsInPrompt, type PromptDocument } from "./documents-in-prompt.ts";
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
export const NOTHING_BEFORE = "This is your first message: you haven't asked me anything before it.";
export const NO_DOCUMENT_COVERS_IT = "None of the documents I was given covers that, so I can't answer it from them.";

const GREETING = /^(hi|hello|hey)\b/i;

/** What the model decided before ids and limits are applied: say something, or call tools. */
type Draft = { text: string } | { calls: Array<{ name: string; arguments: string }> };

export function composeReply(request: ChatCompletionRequest): ModelReply {
  const lastMessage = request.messages.at(-1);
  const verdict = judgeReply(request);
  const draft =
    verdict !== undefined ? { text: verdict } : lastMessage?.role === "tool" ? answerFromToolResults(request.messages) : answerUser(request);
  return limitLength(toReply(draft, request.messages), request.max_tokens);
}

function answerUser(request: ChatCompletionRequest): Draft {
  const asked = userTexts(request.messages);
  const text = asked.at(-1) ?? "";
  const offered = new Set(
    request.tool_choice === "none" ? [] : (request.tools ?? []).map((tool) => tool.function.name),
  );

  if (asksForFirstMessage(text) && !asksAboutWeather(text) && findExpression(text) === undefined) {
    // The current message is the last one: "first" means an earlier one.
    return { text: asked.length > 1 ? `Your first message was: "${asked[0]}"` : NOTHING_BEFORE };
  }

  const calls: Array<{ name: string; arguments: string }> = [];
  const sentences: string[] = [];

  const followUpCities = isFollowUp(text) && !asksAboutWeather(text) ? findCities(text) : [];
  if (asksAboutWeather(text) || (followUpCities.length > 0 && followsWeatherQuestion(asked))) {
    const cities = followUpCities.length > 0 ? followUpCities : findCities(text);
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
  if (followUpCities.length > 0) {
    // "And in London?" out of the blue: there is no question to carry over.
    return {
      text:
        `What would you like to know about ${joinNames(followUpCities)}? ` +
        `I can look up the weather there: try "weather in ${followUpCities[0]}".`,
    };
  }
  if (GREETING.test(text)) return { text: GREETING_REPLY };
  const documents = documentsInPrompt(request.messages);
  if (documents) return { text: documents.length > 0 ? answerFromDocuments(text, documents) : NO_DOCUMENT_COVERS_IT };
  return {
    text:
      `You said: "${text}". I'm a small offline model: I can chat, look up the weather ` +
      `(try "weather in Paris and Tokyo") and do arithmetic (try "calculate 12 * 7").`,
  };
}

/**
 * Whether the user message before the last one was about the weather: a weather question,
 * or itself a follow-up naming a city of a weather question ("weather in Paris?" ->
 * "And in London?" -> "What about Tokyo?"). Each message is read once.
 */
function followsWeatherQuestion(asked: string[]): boolean {
  let aboutWeather = false;
  for (const text of asked.slice(0, -1)) {
    aboutWeather = asksAboutWeather(text) || (aboutWeather && isFollowUp(text) && findCities(text).length > 0);
  }
  return aboutWeather;
}

/**
 * The documents' texts, each followed by its id in brackets: "Paris is mild: ... [paris-seasons]".
 * When the question names cities, only the documents that name one of them (if any do).
 */
function answerFromDocuments(question: string, documents: PromptDocument[]): string {
  const cities = findCities(question).map((city) => city.toLowerCase());
  const aboutThem = documents.filter((document) => cities.some((city) => document.text.toLowerCase().includes(city)));
  const used = aboutThem.length > 0 ? aboutThem : documents;
  return used.map((document) => `${document.text} [${document.id}]`).join(" ");
}

/** "London", "London and Paris", "London, Paris and Tokyo". */
function joinNames(names: string[]): string {
  return names.length <= 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/** One sentence per tool call of the last assistant turn, in call order. */
function answerFromToolResults(messages: ChatMessage[]): Draft {
  const callerIndex = messages.findLastIndex((message) => message.tool_calls !== undefined);
  const calls = messages[callerIndex]?.tool_calls ?? [];
  const results = messages.slice(callerIndex + 1);

  // By tool_call_id (the first answer to each call), not by position: one pass over the results.
  const resultById = new Map<string, ChatMessage>();
  for (const message of results) {
    if (message.role === "tool" && message.tool_call_id !== undefined && !resultById.has(message.tool_call_id)) {
      resultById.set(message.tool_call_id, message);
    }
  }

  const sentences = calls.map((call) => {
    const result = resultById.get(call.id);
    // validate.ts rejects a conversation with an unanswered call, so this is a fallback only.
    if (!result) return `The ${call.function.name} tool did not answer.`;
    return describeToolResult(call.function.name, result.content ?? "");
  });
  return { text: sentences.join(" ") };
}

/** The text of every user message, in order, trimmed. */
function userTexts(messages: ChatMessage[]): string[] {
  return messages.filter((message) => message.role === "user").map((message) => (message.content ?? "").trim());
}

function toReply(draft: Draft, messages: ChatMessage[]): ModelReply {
  if ("text" in draft) {
    return { message: { role: "assistant", content: draft.text }, finishReason: "stop" };
  }
  const idFor = toolCallIds(messages);
  const toolCalls: ToolCall[] = draft.calls.map((call, index) => ({
    id: idFor(index),
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
