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
    model: answeringModel(request.model),
  };
}

/** The date the offline model gives an undated model name, as OpenAI's gpt-4o-mini answers as gpt-4o-mini-2024-07-18. */
export const MODEL_SNAPSHOT_DATE = "2024-07-18";

/**
 * The model that answers, as real providers name it: any name is accepted, and an alias is
 * answered by a dated snapshot of it ("gpt-4o-mini" -> "gpt-4o-mini-2024-07-18"; a name that
 * already ends in a date is kept). So the response's model differs from the request's, as it
 * does at OpenAI, and a span that records the one asked for instead of the one that answered shows.
 */
export function answeringModel(requested: string): string {
  return /-\d{4}-\d{2}-\d{2}$/.test(requested) ? requested : `${requested}-${MODEL_SNAPSHOT_DATE}`;
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
