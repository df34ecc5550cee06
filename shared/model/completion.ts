// The non-streamed answer: one `chat.completion` object.

import type { ChatCompletion, ChatCompletionRequest, Usage } from "../openai/types.ts";
import { completionId } from "./ids.ts";
import type { ModelReply } from "./replies.ts";

/** What every object of one answer shares, streamed chunks included. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export function completionMeta(request: ChatCompletionRequest): CompletionMeta {
  return {
    id: completionId(request.messages),
    created: Math.floor(Date.now() / 1000),
    model: request.model, // any model name is accepted and echoed back
  };
}

export function buildCompletion(meta: CompletionMeta, reply: ModelReply, usage: Usage): ChatCompletion {
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message: reply.message, finish_reason: reply.finishReason }],
    usage,
  };
}
