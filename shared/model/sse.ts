// Streaming (`stream: true`): the same answer cut into `chat.completion.chunk` objects and
// sent as server-sent events, `data: <json>\n\n` each, then `data: [DONE]\n\n`.
//
//   1. { delta: { role: "assistant", content: "" } }
//   2. text:       one chunk per word (with its trailing space)          { delta: { content } }
//      tool calls: per call, a chunk with index, id, name and arguments "", then the
//                  arguments in two pieces                        { delta: { tool_calls: [...] } }
//   3. { delta: {}, finish_reason }
//   4. only with stream_options.include_usage: { choices: [], usage }  (earlier chunks: usage null)

import type { ServerResponse } from "node:http";
import type {
  ChatCompletionChunk,
  FinishReason,
  ToolCallDelta,
  Usage,
} from "../openai/types.ts";
import type { CompletionMeta } from "./completion.ts";
import { pause } from "./http.ts";
import type { ModelReply } from "./replies.ts";

type Delta = ChatCompletionChunk["choices"][number]["delta"];

export function buildChunks(
  meta: CompletionMeta,
  reply: ModelReply,
  usage: Usage,
  includeUsage: boolean,
): ChatCompletionChunk[] {
  const base = { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model } as const;
  const chunk = (delta: Delta, finishReason: FinishReason | null = null): ChatCompletionChunk => ({
    ...base,
    choices: [{ index: 0, delta, finish_reason: finishReason }],
    ...(includeUsage ? { usage: null } : {}),
  });
  const toolCallChunk = (call: ToolCallDelta): ChatCompletionChunk => chunk({ tool_calls: [call] });

  const chunks = [chunk({ role: "assistant", content: "" })];

  for (const piece of words(reply.message.content ?? "")) chunks.push(chunk({ content: piece }));

  (reply.message.tool_calls ?? []).forEach((call, index) => {
    const { name, arguments: args } = call.function;
    // The index is what ties the later pieces to this call: only the first carries the id.
    chunks.push(toolCallChunk({ index, id: call.id, type: "function", function: { name, arguments: "" } }));
    for (const piece of halves(args)) chunks.push(toolCallChunk({ index, function: { arguments: piece } }));
  });

  chunks.push(chunk({}, reply.finishReason));

  if (includeUsage) {
    chunks.push({ ...base, choices: [], usage });
  }
  return chunks;
}

/** "It is sunny." -> ["It ", "is ", "sunny."]: joined again, they give back the text. */
function words(text: string): string[] {
  return text.match(/\s*\S+\s*/g) ?? [];
}

/** Arguments arrive in pieces in real streams too; clients must join them. */
function halves(text: string): string[] {
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}

export interface StreamOptions {
  /** pause between two chunks */
  delayMs: number;
  /** aborts when the client disconnects or the server closes: stop writing */
  signal: AbortSignal;
  /** the stream-abort fault: destroy the connection after this many chunks */
  cutAfter?: number;
}

export async function writeEventStream(
  res: ServerResponse,
  chunks: ChatCompletionChunk[],
  { delayMs, signal, cutAfter }: StreamOptions,
): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });

  const toSend = cutAfter === undefined ? chunks : chunks.slice(0, cutAfter);
  for (const [i, chunk] of toSend.entries()) {
    if (i > 0 && !(await pause(delayMs, signal))) return;
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }

  if (cutAfter !== undefined) {
    // No [DONE]: the client sees the connection break mid-stream.
    await pause(delayMs, signal);
    res.destroy();
    return;
  }
  res.end("data: [DONE]\n\n");
}
