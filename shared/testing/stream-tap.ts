// A tap on the model connection the chatbot is given: it passes every streamed chunk on
// unchanged and writes down what the chatbot really received (the request, each chunk and when
// it was handed over, how the stream ended). Lesson 8's checks compare the LLM spans with it,
// so they hold for any correct way of reading the stream, and with any stream style.
import type { ModelConnection } from "../chatbot/connect-model.ts";
import { isStreamError } from "../chatbot/model-errors.ts";
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest, ChatMessage, FinishReason, StreamErrorEvent, ToolCall, Usage } from "../openai/types.ts";

/** One streamed model call, as the chatbot saw it. */
export interface TappedStream {
  request: ChatCompletionRequest;
  chunks: ChatCompletionChunk[];
  /** the provider's error event, when the stream ended with one (a gateway whose upstream failed); not among `chunks` */
  errorEvent?: StreamErrorEvent;
  /** When each chunk was handed to the chatbot: performance.now() (see SpanChecks.onPerformanceClock). */
  chunkTimes: number[];
  /** "done": read to the end; "stopped": the chatbot stopped reading (return() or an abort); "failed": the stream threw */
  ending: "reading" | "done" | "stopped" | "failed";
  /** how many chunks had been handed over when the call's signal was aborted */
  chunksAtAbort?: number;
  error?: unknown;
}

export interface StreamTap {
  /** the connection to give the chatbot */
  model: ModelConnection;
  /** every streamed call since the last reset, in the order they started */
  streams: TappedStream[];
  /** how many non-streamed calls (createChatCompletion) the chatbot made since the last reset */
  plainCalls: number;
  reset(): void;
}

/** `afterChunk` is called each time a chunk has been handed over (a test can stop the answer there). */
export function tapStreams(model: ModelConnection, { afterChunk }: { afterChunk?: (stream: TappedStream) => void } = {}): StreamTap {
  const tap: StreamTap = {
    model: {
      ...model,
      createChatCompletion(request, options) {
        tap.plainCalls++;
        return model.createChatCompletion(request, options);
      },
      async *streamChatCompletion(request, options) {
        const stream: TappedStream = { request: structuredClone(request), chunks: [], chunkTimes: [], ending: "reading" };
        tap.streams.push(stream);
        options?.signal?.addEventListener("abort", () => (stream.chunksAtAbort ??= stream.chunks.length), { once: true });
        try {
          for await (const event of model.streamChatCompletion(request, options)) {
            if (isStreamError(event)) stream.errorEvent = structuredClone(event);
            else {
              stream.chunks.push(structuredClone(event));
              stream.chunkTimes.push(performance.now());
            }
            yield event;
            if (!isStreamError(event)) afterChunk?.(stream);
          }
          stream.ending = "done";
        } catch (error) {
          stream.ending = options?.signal?.aborted ? "stopped" : "failed";
          stream.error = error;
          throw error;
        } finally {
          // A consumer that breaks out of its for-await loop lands here without an error.
          if (stream.ending === "reading") stream.ending = "stopped";
        }
      },
    },
    streams: [],
    plainCalls: 0,
    reset() {
      tap.streams.length = 0;
      tap.plainCalls = 0;
    },
  };
  return tap;
}

/** What the chunks of one stream add up to: the reference the LLM span is compared with. */
export interface AssembledStream {
  /** the assistant message: content null when it only calls tools */
  message: ChatMessage & { role: "assistant" };
  text: string;
  toolCalls: ToolCall[];
  finishReason?: FinishReason;
  usage?: Usage;
  model?: string;
  /** the index of the first chunk with a piece of text or a tool call (time to first token) */
  firstTokenChunk?: number;
}

export function assembleStream(chunks: ChatCompletionChunk[]): AssembledStream {
  let text = "";
  const calls: ToolCall[] = [];
  let finishReason: FinishReason | undefined;
  let usage: Usage | undefined;
  let model: string | undefined;
  let firstTokenChunk: number | undefined;
  chunks.forEach((chunk, index) => {
    model = chunk.model ?? model;
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices ?? []) {
      if (choice.index !== 0) continue;
      const { content, tool_calls: deltas } = choice.delta ?? {};
      if (firstTokenChunk === undefined && (content || deltas?.length)) firstTokenChunk = index;
      if (content) text += content;
      for (const delta of deltas ?? []) {
        const call = (calls[delta.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
        if (delta.id) call.id = delta.id;
        if (delta.function?.name) call.function.name += delta.function.name;
        if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    }
  });
  const toolCalls = calls.filter(Boolean);
  const message: ChatMessage & { role: "assistant" } = {
    role: "assistant",
    content: text === "" && toolCalls.length > 0 ? null : text,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
  return { message, text, toolCalls, finishReason, usage, model, firstTokenChunk };
}

/** A finished stream as the non-streamed response it stands for (for the checks of lessons 4 and 5). */
export function asCompletion(stream: TappedStream): ChatCompletion | undefined {
  if (stream.ending !== "done") return undefined;
  const assembled = assembleStream(stream.chunks);
  if (!assembled.finishReason || !assembled.usage) return undefined;
  return {
    id: stream.chunks[0]?.id ?? "",
    object: "chat.completion",
    created: stream.chunks[0]?.created ?? 0,
    model: assembled.model ?? stream.request.model,
    choices: [{ index: 0, message: assembled.message, finish_reason: assembled.finishReason }],
    usage: assembled.usage,
  };
}
