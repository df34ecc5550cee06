// Ids derived from the conversation instead of random numbers: the same request always
// gets the same completion id and the same tool call ids, so runs, tests and traces repeat.

import { createHash } from "node:crypto";
import type { ChatMessage } from "../openai/types.ts";

function shortHash(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 24);
}

/** "chatcmpl-" + the first 24 hex digits of sha256(JSON of the messages). */
export function completionId(messages: ChatMessage[]): string {
  return `chatcmpl-${shortHash(JSON.stringify(messages))}`;
}

/** "call_" + the first 24 hex digits of sha256(JSON of the messages + ":" + index). */
export function toolCallId(messages: ChatMessage[], index: number): string {
  return toolCallIds(messages)(index);
}

/** toolCallId for several calls of one reply: the messages are serialised and hashed once. */
export function toolCallIds(messages: ChatMessage[]): (index: number) => string {
  const prefix = createHash("sha256").update(JSON.stringify(messages));
  return (index) => `call_${prefix.copy().update(`:${index}`).digest("hex").slice(0, 24)}`;
}
