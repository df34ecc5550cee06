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
//
// On demand (option `usageDetails` / `usageCost`, marker [[usage:details]], [[usage:cost]]):
//   prompt_tokens_details.cached_tokens
//                     = for each message before the last assistant message: 3 + tokens(...)
//                       (what the previous request of this conversation already sent; 0 in
//                       a conversation without an assistant message)
//   completion_tokens_details.reasoning_tokens
//                     = the number of messages in the request (one "thought" per message
//                       read); counted in completion_tokens, as OpenAI does:
//                       completion_tokens = visible tokens + reasoning_tokens
//   audio_tokens, accepted_prediction_tokens, rejected_prediction_tokens = 0
//   cost              = (prompt_tokens + 2 * completion_tokens) / 1,000,000  (US dollars:
//                       $1 per million prompt tokens, $2 per million completion tokens)

import type { ChatCompletionRequest, ChatMessage, Usage } from "../openai/types.ts";

// The `u` flag makes an emoji (two UTF-16 units) one token, and keeps truncation from
// cutting it in half. Linear: each alternative consumes what it matches without backtracking.
const TOKEN = /[A-Za-z]+|\d|[^\sA-Za-z\d]/gu;

export function countTokens(text: string): number {
  let count = 0;
  for (const _token of text.matchAll(TOKEN)) count += 1;
  return count;
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

/** What usage carries besides the three counts. Both off by default. */
export interface UsageExtras {
  /** prompt_tokens_details and completion_tokens_details */
  details: boolean;
  /** cost, in US dollars */
  cost: boolean;
}

export const PLAIN_USAGE: UsageExtras = { details: false, cost: false };

const USAGE_VARIANTS = {
  plain: PLAIN_USAGE,
  details: { details: true },
  cost: { cost: true },
} satisfies Record<string, Partial<UsageExtras>>;

/** A [[usage:...]] marker's text ("details", "details,cost", "plain") applied on top of `base`. */
export function applyUsageVariants(base: UsageExtras, text: string): UsageExtras {
  let extras = base;
  for (const raw of text.split(",")) {
    const name = raw.trim();
    const variant = Object.hasOwn(USAGE_VARIANTS, name)
      ? (USAGE_VARIANTS[name as keyof typeof USAGE_VARIANTS] as Partial<UsageExtras>)
      : undefined;
    if (!variant) {
      const shown = name.length > 60 ? `${name.slice(0, 57)}...` : name;
      throw new Error(`Unknown usage option "${shown}". Known: ${Object.keys(USAGE_VARIANTS).join(", ")}.`);
    }
    extras = { ...extras, ...variant };
  }
  return extras;
}

export function usageFor(request: ChatCompletionRequest, reply: ChatMessage, extras: UsageExtras = PLAIN_USAGE): Usage {
  const lastAssistant = request.messages.findLastIndex((message) => message.role === "assistant");
  let promptTokens = 3;
  let cachedTokens = 0;
  request.messages.forEach((message, i) => {
    const tokens = 3 + messageTokens(message);
    promptTokens += tokens;
    if (i < lastAssistant) cachedTokens += tokens;
  });
  if (request.tools) promptTokens += countTokens(JSON.stringify(request.tools));

  const reasoningTokens = extras.details ? request.messages.length : 0;
  const completionTokens = messageTokens(reply) + reasoningTokens;
  const usage: Usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  if (extras.details) {
    usage.prompt_tokens_details = { cached_tokens: cachedTokens, audio_tokens: 0 };
    usage.completion_tokens_details = {
      reasoning_tokens: reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    };
  }
  if (extras.cost) usage.cost = (promptTokens + 2 * completionTokens) / 1_000_000;
  return usage;
}
