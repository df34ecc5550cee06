// How the offline model counts tokens. Real models use a learned tokenizer (BPE); this one
// uses a rule you can check by hand, so the usage numbers in a trace are predictable:
//
//   one token = one run of ASCII letters, or one digit, or one other non-space character.
//   "In Paris it is 18°C." -> In, Paris, it, is, 1, 8, °, C, .  = 9 tokens
//
// usage for one request:
//   prompt_tokens     = 3                                   (priming the reply)
//                     + for each message: 3                 (role and separators)
//                         + tokens(content, or "" when null)
//                         + for each tool call: tokens(name) + tokens(arguments)
//                     + tokens(JSON.stringify(tools))       (only when tools are sent)
//   completion_tokens = tokens(reply content, or "")
//                     + for each tool call in the reply: tokens(name) + tokens(arguments)
//   total_tokens      = prompt_tokens + completion_tokens

import type { ChatCompletionRequest, ChatMessage, Usage } from "../openai/types.ts";

// The `u` flag makes an emoji (two UTF-16 units) one token, and keeps truncation from
// cutting it in half.
const TOKEN = /[A-Za-z]+|\d|[^\sA-Za-z\d]/gu;

export function countTokens(text: string): number {
  return text.match(TOKEN)?.length ?? 0;
}

/** The start of `text` up to and including its `maxTokens`-th token (all of it if shorter). */
export function truncateToTokens(text: string, maxTokens: number): string {
  let seen = 0;
  for (const match of text.matchAll(TOKEN)) {
    seen += 1;
    if (seen === maxTokens) return text.slice(0, match.index + match[0].length);
  }
  return text;
}

/** Tokens a message carries besides its role: its text and its tool calls. */
function messageTokens(message: ChatMessage): number {
  let tokens = countTokens(message.content ?? "");
  for (const call of message.tool_calls ?? []) {
    tokens += countTokens(call.function.name) + countTokens(call.function.arguments);
  }
  return tokens;
}

export function usageFor(request: ChatCompletionRequest, reply: ChatMessage): Usage {
  let promptTokens = 3;
  for (const message of request.messages) promptTokens += 3 + messageTokens(message);
  if (request.tools) promptTokens += countTokens(JSON.stringify(request.tools));

  const completionTokens = messageTokens(reply);
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
}
