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
  return `call_${shortHash(`${JSON.stringify(messages)}:${index}`)}`;
}
