// Streaming (`stream: true`): the same answer cut into `chat.completion.chunk` objects and
// sent as server-sent events, `data: <json>\n\n` each, then `data: [DONE]\n\n`.
//
//   1. { delta: { role: "assistant", content: "" } }
//   2. text:       one chunk per word (with its trailing space)          { delta: { content } }
//                  (at most MAX_TEXT_CHUNKS chunks: a longer text puts several words in each)
//      tool calls: per call, a chunk with index, id, name and arguments "", then the
//                  arguments in two pieces                        { delta: { tool_calls: [...] } }
//   3. { delta: {}, finish_reason }
//   4. only with stream_options.include_usage: { choices: [], usage }  (earlier chunks: usage null)
//
// A stream style (stream-style.ts) changes the details the way other providers do.

import type { ServerResponse } from "node:http";
import type {
  ChatCompletionChunk,
  FinishReason,
  StreamErrorEvent,
  ToolCallDelta,
  Usage,
} from "../openai/types.ts";
import type { CompletionMeta } from "./completion.ts";
import { pause } from "./http.ts";
import type { ModelReply } from "./replies.ts";
import { OPENAI_STREAM_STYLE, type StreamStyle } from "./stream-style.ts";

type Delta = ChatCompletionChunk["choices"][number]["delta"];
type Choice = ChatCompletionChunk["choices"][number];

/** A long answer is streamed in at most this many text chunks (so it cannot take minutes). */
export const MAX_TEXT_CHUNKS = 200;

export function buildChunks(
  meta: CompletionMeta,
  reply: ModelReply,
  usage: Usage,
  includeUsage: boolean,
  style: StreamStyle = OPENAI_STREAM_STYLE,
): ChatCompletionChunk[] {
  const base = { id: meta.id, object: "chat.completion.chunk", created: meta.created, model: meta.model } as const;
  const choice = (delta: Delta, finishReason: FinishReason | null): Choice =>
    finishReason === null && style.omitFinishReason
      ? { index: 0, delta }
      : { index: 0, delta, finish_reason: finishReason };
  const chunk = (delta: Delta, finishReason: FinishReason | null = null): ChatCompletionChunk => ({
    ...base,
    choices: [choice(delta, finishReason)],
    ...(includeUsage && !style.omitNullUsage ? { usage: null } : {}),
  });

  // Every delta of the answer, in order; the role goes on the first one.
  const deltas: Delta[] = [];
  for (const piece of textPieces(reply.message.content ?? "")) deltas.push({ content: piece });
  (reply.message.tool_calls ?? []).forEach((call, index) => {
    const { name, arguments: args } = call.function;
    // The index is what ties the later pieces to this call: only the first carries the id.
    const first: ToolCallDelta = { index, id: call.id, type: "function", function: { name, arguments: "" } };
    deltas.push({ tool_calls: [first] });
    for (const piece of halves(args)) deltas.push({ tool_calls: [{ index, function: { arguments: piece } }] });
  });

  const chunks: ChatCompletionChunk[] = [];
  const [firstDelta] = deltas;
  if (style.textFirst && firstDelta) {
    // Like LiteLLM (and OpenAI itself for tool calls): the role arrives with the first content.
    const withRole: Delta = firstDelta.tool_calls
      ? { role: "assistant", content: null, tool_calls: firstDelta.tool_calls }
      : { role: "assistant", content: firstDelta.content ?? "" };
    chunks.push(chunk(withRole));
    for (const delta of deltas.slice(1)) chunks.push(chunk(delta));
  } else {
    chunks.push(chunk({ role: "assistant", content: "" }));
    for (const delta of deltas) chunks.push(chunk(delta));
  }

  chunks.push(chunk({}, reply.finishReason));

  if (includeUsage) {
    chunks.push({ ...base, choices: style.usageChoice ? [choice({}, null)] : [], usage });
  }
  return chunks;
}

/** The text as one piece per word, or fewer pieces of several words when it has very many. */
function textPieces(text: string): string[] {
  const pieces = words(text);
  if (pieces.length <= MAX_TEXT_CHUNKS) return pieces;
  const perChunk = Math.ceil(pieces.length / MAX_TEXT_CHUNKS);
  const grouped: string[] = [];
  for (let i = 0; i < pieces.length; i += perChunk) grouped.push(pieces.slice(i, i + perChunk).join(""));
  return grouped;
}

/**
 * "It is sunny." -> ["It ", "is ", "sunny."]: joined again, they give back the text (spaces
 * before the first word go with it; a text of spaces only has no words). The pieces the
 * global expression "spaces, non-spaces, spaces" finds, read with a sticky one so that a
 * long run of spaces is never scanned twice.
 */
export function words(text: string): string[] {
  const word = /\S+\s*/y;
  word.lastIndex = text.length - text.trimStart().length;
  const pieces: string[] = [];
  let from = 0;
  for (let match = word.exec(text); match; match = word.exec(text)) {
    pieces.push(text.slice(from, word.lastIndex));
    from = word.lastIndex;
  }
  return pieces;
}

/** Arguments arrive in pieces in real streams too; clients must join them. */
function halves(text: string): string[] {
  const middle = Math.ceil(text.length / 2);
  return [text.slice(0, middle), text.slice(middle)];
}

export interface StreamOptions {
  /** pause between two chunks (0: none) */
  delayMs: number;
  /** pause before the first chunk, after the headers (a provider's time to first token); default 0 */
  firstDelayMs?: number;
  /** aborts when the client disconnects or the server closes: stop writing */
  signal: AbortSignal;
  /**
   * A stream fault: after this many chunks, either the connection is destroyed (stream-abort)
   * or one error event is sent and the response ends (stream-error). No [DONE] either way.
   */
  cut?: { afterChunks: number; errorEvent?: StreamErrorEvent };
}

export async function writeEventStream(
  res: ServerResponse,
  chunks: ChatCompletionChunk[],
  { delayMs, firstDelayMs = 0, signal, cut }: StreamOptions,
): Promise<void> {
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });

  const toSend = cut === undefined ? chunks : chunks.slice(0, cut.afterChunks);
  for (const [i, chunk] of toSend.entries()) {
    if (i === 0 && firstDelayMs > 0 && !(await pause(firstDelayMs, signal))) return;
    // A delay of 0 writes the chunks back to back, without waiting for a timer each time.
    if (i > 0 && delayMs > 0 && !(await pause(delayMs, signal))) return;
    if (signal.aborted) return;
    if (res.destroyed) return;
    res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  }

  if (cut?.errorEvent) {
    // The gateway's way: the connection stays whole, the stream ends with the error and no [DONE].
    if (!(await pause(delayMs, signal)) || res.destroyed) return;
    res.end(`data: ${JSON.stringify(cut.errorEvent)}\n\n`);
    return;
  }
  if (cut) {
    // No [DONE]: the client sees the connection break mid-stream.
    await pause(delayMs, signal);
    res.destroy();
    return;
  }
  res.end("data: [DONE]\n\n");
}
