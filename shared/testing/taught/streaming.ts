// What the streaming lesson taught, checked on any later lesson's trace: a streamed model call's LLM span
// stays open while the stream is read, and records the answer assembled from the chunks the
// chatbot really received (the stream tap's record): the text or the tool calls, assembled by
// their index; the finish reason and the token counts of the last chunks; the first token as an
// event. A stream that fails keeps what arrived and is an ERROR; one the caller stops keeps what
// arrived and says so.
import {
  LLM_FINISH_REASON,
  LLM_MODEL_NAME,
  LLM_OUTPUT_MESSAGES,
  LLM_TOKEN_COUNT_COMPLETION,
  LLM_TOKEN_COUNT_PROMPT,
  LLM_TOKEN_COUNT_TOTAL,
  MESSAGE_CONTENT,
  MESSAGE_ROLE,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
} from "@arizeai/openinference-semantic-conventions";
import { SpanStatusCode } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { ChatCompletionRequest, StreamErrorEvent } from "../../openai/types.ts";
import { recordChecked } from "../checked-keys.ts";
import type { SpanChecks } from "../span-checks.ts";
import { asCompletion, assembleStream, type StreamTap, type TappedStream } from "../stream-tap.ts";
import type { RecordedCall } from "./llm-spans.ts";

const FIRST_CHUNK_SKIPPED =
  "the first chunk is skipped: it may carry the first piece of text or of a tool call together with the role (text-first, as LiteLLM sends it). Read every chunk's delta, the first one too.";

/** The event at the first piece of the answer: the name OpenInference's Python instrumentations use. */
export const FIRST_TOKEN_EVENT = "First Token Stream Event";
/** The event on a span whose stream the caller stopped reading before it ended. */
export const STREAM_STOPPED_EVENT = "Stream Stopped Event";

/**
 * Slack when comparing a span's times with the tap's, in ms. Both are on the performance.now()
 * clock (SpanChecks.onPerformanceClock), and the order is causal (a chunk is stamped before the
 * chatbot sees it, the next one after the chatbot asked for it). What is allowed for: an event
 * given an explicit Date or Date.now() time, which the SDK keeps to the millisecond only.
 */
const CLOCK_SLACK_MS = 1.5;

/**
 * For checkLlmSpans' `streamed` option: checks one LLM span's answer against the stream the
 * chatbot read for it, and gives the call back (a finished stream as the response it stands for).
 */
export function streamedCalls(lessonChecks: SpanChecks, tap: StreamTap): (span: ReadableSpan, request: ChatCompletionRequest) => RecordedCall {
  const checks = lessonChecks.taughtIn("streaming");
  return (span, request) => {
    const stream = findStream(checks, tap, request);
    checkStreamRequest(checks, stream, request);
    checkReadToItsEnd(checks, span, stream);
    const chunks = chunksRecorded(span, stream);
    const assembled = assembleStream(chunks);
    const arrived = assembled.text !== "" || assembled.toolCalls.length > 0;
    if (arrived) checkAssembledOutput(checks, span, stream, chunks);
    else {
      // Nothing came back to name the model that answered: the span names the one asked for.
      checks.attribute(span, LLM_MODEL_NAME, request.model, { hint: 3 });
      checks.noAttribute(span, OUTPUT_VALUE, "no piece of the answer arrived, so there is no output to record.", { hint: 3 });
      checks.noAttribute(span, `${LLM_OUTPUT_MESSAGES}.0.${MESSAGE_ROLE}`, "no piece of the answer arrived.", { hint: 3 });
    }
    if (stream.ending === "done") {
      checkFinished(checks, span, stream);
      return { span, request, response: asCompletion(stream) };
    }
    if (stream.errorEvent) checkProviderError(checks, span, stream.errorEvent);
    else if (stream.ending === "stopped") checkStopped(checks, span);
    else {
      checks.status(span, "ERROR", { hint: 4 });
      checks.exceptionEvent(span, undefined, { hint: 4 });
    }
    return { span, request };
  };
}

/** The tapped stream this span stands for: the one sent the same messages. */
function findStream(checks: SpanChecks, tap: StreamTap, request: ChatCompletionRequest): TappedStream {
  const messages = JSON.stringify(request.messages);
  const stream = tap.streams.find((each) => JSON.stringify(each.request.messages) === messages);
  if (stream) return stream;
  if (tap.plainCalls > 0) {
    checks.fail({
      headline: "The chatbot did not stream: callModel asks for the whole answer at once.",
      expected: "model.streamChatCompletion(request) read with for await (const chunk of ...)",
      got: `${tap.plainCalls} call(s) of model.createChatCompletion`,
      hint: 1,
    });
  }
  return checks.fail({
    headline: "No streamed model call was sent the messages this LLM span's input.value names.",
    expected: `a call of model.streamChatCompletion with the request recorded in input.value (${tap.streams.length} streamed call(s) made)`,
    got: messages.slice(0, 120),
    hint: 1,
    mistake: "input.value should be JSON.stringify(request) of the very request passed to streamChatCompletion.",
  });
}

/**
 * The chunks the span's output stands for. A stopped stream may have handed over a chunk or two
 * after the stop (they were already read from the socket), and a chatbot that checks
 * signal.aborted in its loop (instead of passing the signal on) stops at a chunk of its choice:
 * the output may hold them or not.
 */
function chunksRecorded(span: ReadableSpan, stream: TappedStream): TappedStream["chunks"] {
  if (stream.ending !== "stopped") return stream.chunks;
  for (let count = stream.chunksAtAbort ?? 1; count < stream.chunks.length; count++) {
    const text = assembleStream(stream.chunks.slice(0, count)).text;
    if (text !== "" && span.attributes[OUTPUT_VALUE] === text) return stream.chunks.slice(0, count);
  }
  return stream.chunks;
}

function checkStreamRequest(checks: SpanChecks, stream: TappedStream, request: ChatCompletionRequest): void {
  checks.that(request.stream === true, {
    headline: 'The request recorded in input.value does not say "stream": true.',
    expected: "stream: true in the request passed to streamChatCompletion (and so in input.value)",
    got: JSON.stringify({ stream: request.stream, stream_options: request.stream_options }),
    hint: 1,
    mistake: "the client sends stream: true on the wire whatever the request says, but the span should show the request as it was sent: put stream: true in it.",
  });
  checks.that(stream.request.stream_options?.include_usage === true, {
    headline: "The streamed request does not ask for the token counts.",
    expected: "stream: true, stream_options: { include_usage: true } in the request",
    got: JSON.stringify({ stream: stream.request.stream, stream_options: stream.request.stream_options }),
    hint: 1,
    mistake: "a stream carries no usage unless asked: with stream_options: { include_usage: true } the last chunk brings the prompt, completion and total token counts.",
  });
}

/** The span ended after the last chunk the chatbot took: it covers the whole stream. */
function checkReadToItsEnd(checks: SpanChecks, span: ReadableSpan, stream: TappedStream): void {
  recordChecked("ended");
  const lastChunk = stream.chunkTimes.at(-1);
  const ended = checks.onPerformanceClock(span, span.endTime);
  if (lastChunk === undefined || ended === undefined) return;
  checks.that(ended + CLOCK_SLACK_MS >= lastChunk, {
    headline: `The LLM span "${span.name}" ended before its stream was read to the end.`,
    expected: "span.end() after the for await loop over the chunks is done (in its finally)",
    got: `ended ${Math.round(lastChunk - ended)} ms before the last chunk was read`,
    hint: 2,
    mistake: "a span ended when the stream is returned (or a withSpan around a function that returns the stream) closes before any chunk is read: end it where the stream is consumed.",
  });
}

/** output.value, the output message and the model name, from what arrived. */
function checkAssembledOutput(checks: SpanChecks, span: ReadableSpan, stream: TappedStream, chunks: TappedStream["chunks"]): void {
  const assembled = assembleStream(chunks);
  const firstChunkSkipped = assembleStream(chunks.slice(1));
  const whole = stream.ending === "done";
  const what = whole ? "the answer assembled from the chunks" : "what arrived before the stream ended";
  if (assembled.message.content !== null) {
    const value = span.attributes[OUTPUT_VALUE];
    const mistake =
      value === undefined && !whole
        ? "nothing of what arrived is recorded: the stream ended early, so record what arrived in the catch too (recordAnswer before the rethrow)."
        : typeof value === "string" && value === firstChunkSkipped.text && value !== assembled.text
          ? FIRST_CHUNK_SKIPPED
        : typeof value === "string" && value.startsWith("{")
        ? "a stream has no response body to record: output.value is the text, the chunks' delta.content pieces joined."
        : typeof value === "string" && assembled.text.endsWith(value) && value !== assembled.text
          ? "only the last piece of text is recorded: add each delta.content to the text so far (text += content)."
          : typeof value === "string" && assembled.text.startsWith(value) && value !== assembled.text
            ? "only the first pieces are recorded: output.value must be set after the loop, from the whole text."
            : undefined;
    checks.attribute(span, OUTPUT_VALUE, assembled.text, { hint: mistake?.includes("in the catch") ? 4 : 3, mistake });
    checks.attribute(span, OUTPUT_MIME_TYPE, MimeType.TEXT, { hint: 3 });
  } else {
    checks.attribute(span, OUTPUT_MIME_TYPE, MimeType.JSON, { hint: 3, mistake: "an answer that only calls tools has no text (its content is null, not \"\"): output.value is the assembled message as JSON, application/json." });
  }
  checks.attribute(span, `${LLM_OUTPUT_MESSAGES}.0.${MESSAGE_ROLE}`, "assistant", { hint: 3 });
  if (assembled.message.content !== null) checks.attribute(span, `${LLM_OUTPUT_MESSAGES}.0.${MESSAGE_CONTENT}`, assembled.text, { hint: 3 });
  if (!whole) return;
  checkToolCallsApart(checks, span, chunks);
  if (assembled.model) checks.attribute(span, LLM_MODEL_NAME, assembled.model, { hint: 3, mistake: `the model name comes from the chunks (chunk.model): ${what} names the model that answered.` });
}

/** Two parallel tool calls stay two: the chunk's tool_calls[k].index says which call a piece belongs to. */
function checkToolCallsApart(checks: SpanChecks, span: ReadableSpan, chunks: TappedStream["chunks"]): void {
  const { toolCalls, message } = assembleStream(chunks);
  if (toolCalls.length === 0) return;
  const shape = (calls: Array<{ id?: string; function?: { name?: string; arguments?: string } }> | undefined) =>
    JSON.stringify((calls ?? []).map((call) => ({ id: call?.id, name: call?.function?.name, arguments: call?.function?.arguments })));
  if (message.content === null) {
    const recorded = checks.json<{ tool_calls?: Array<{ id?: string; function?: { name?: string; arguments?: string } }> }>(span, OUTPUT_VALUE, "the assembled message, with its tool_calls", { hint: 3 });
    const same =
      recorded.tool_calls?.length === toolCalls.length &&
      toolCalls.every((call, index) => {
        const got = recorded.tool_calls?.[index];
        return got?.id === call.id && got.function?.name === call.function.name && got.function?.arguments === call.function.arguments;
      });
    checks.that(same, {
      headline: `The LLM span "${span.name}" records the streamed tool calls wrongly in output.value.`,
      expected: shape(toolCalls),
      got: shape(recorded.tool_calls).slice(0, 240),
      hint: 4,
      mistake:
        shape(recorded.tool_calls) === shape(assembleStream(chunks.slice(1)).toolCalls)
          ? FIRST_CHUNK_SKIPPED
          : (recorded.tool_calls?.length ?? 0) < toolCalls.length
            ? "the pieces of different calls were put into one: assemble each call at delta.index, not at its position in the chunk's tool_calls list (which is 0 in every chunk)."
            : undefined,
    });
  }
}

function checkFinished(checks: SpanChecks, span: ReadableSpan, stream: TappedStream): void {
  const assembled = assembleStream(stream.chunks);
  if (assembled.finishReason) {
    checks.attribute(span, LLM_FINISH_REASON, assembled.finishReason, {
      hint: 3,
      mistake:
        span.attributes[LLM_FINISH_REASON] === undefined
          ? "the finish reason comes in the last chunk that has a choice; a later chunk (the usage) has none, or an empty one: keep the last finish_reason that was set, do not overwrite it with null."
          : undefined,
    });
  }
  if (assembled.usage) {
    const skipped = span.attributes[LLM_TOKEN_COUNT_TOTAL] === undefined;
    const counted = span.attributes[LLM_TOKEN_COUNT_COMPLETION];
    const chunksCounted = typeof counted === "number" && counted !== assembled.usage.completion_tokens && [stream.chunks.length, stream.chunks.filter((chunk) => chunk.choices?.[0]?.delta?.content || chunk.choices?.[0]?.delta?.tool_calls?.length).length].includes(counted);
    const mistake = skipped
      ? "the usage comes in the last chunk, which often has no choices at all (choices: []): read chunk.usage before skipping chunks without a choice."
      : chunksCounted
        ? `the completion count is the number of chunks (${counted}): a chunk is not a token (a chunk may hold several tokens, or none). Take the counts from the usage of the last chunk (stream_options: { include_usage: true }).`
        : undefined;
    const hint = skipped ? 1 : 3;
    checks.attribute(span, LLM_TOKEN_COUNT_PROMPT, assembled.usage.prompt_tokens, { hint, mistake });
    checks.attribute(span, LLM_TOKEN_COUNT_COMPLETION, assembled.usage.completion_tokens, { hint, mistake });
    checks.attribute(span, LLM_TOKEN_COUNT_TOTAL, assembled.usage.total_tokens, { hint, mistake });
  }
  checks.status(span, "OK", { hint: 2 });
  checkFirstTokenEvent(checks, span, stream);
}

/** One first-token event, at the chunk with the first piece of text or tool call. */
export function checkFirstTokenEvent(checks: SpanChecks, span: ReadableSpan, stream: TappedStream): void {
  recordChecked(FIRST_TOKEN_EVENT);
  const events = span.events.filter((event) => event.name === FIRST_TOKEN_EVENT);
  const lookalike = span.events.find((event) => event.name !== FIRST_TOKEN_EVENT && /first.?token|ttft/i.test(event.name));
  const firstPiece = assembleStream(stream.chunks).firstTokenChunk;
  const startsWithToolCall = firstPiece !== undefined && !stream.chunks[firstPiece]?.choices[0]?.delta.content;
  checks.that(events.length === 1, {
    headline: events.length === 0 ? `The LLM span "${span.name}" has no "${FIRST_TOKEN_EVENT}" event.` : `The LLM span "${span.name}" has ${events.length} "${FIRST_TOKEN_EVENT}" events.`,
    expected: `one span.addEvent("${FIRST_TOKEN_EVENT}") when the first piece of the answer arrives`,
    got: `events: [${span.events.map((event) => JSON.stringify(event.name)).join(", ")}]`,
    hint: 2,
    mistake: lookalike
      ? `the event is named "${lookalike.name}": name it exactly "${FIRST_TOKEN_EVENT}", the name OpenInference's instrumentations use.`
      : events.length > 1
        ? "the event is added for every chunk: add it once, for the first piece only (a flag, set after the first)."
        : startsWithToolCall
          ? "this answer starts with a tool call, not text: the first piece of a tool call (delta.tool_calls) is the first token too."
          : undefined,
  });
  const first = assembleStream(stream.chunks).firstTokenChunk;
  const at = checks.onPerformanceClock(span, events[0]!.time);
  const ended = checks.onPerformanceClock(span, span.endTime);
  if (first === undefined || at === undefined || ended === undefined) return;
  const from = stream.chunkTimes[first]!;
  const until = stream.chunkTimes[first + 1] ?? ended;
  const roleChunkFirst = first > 0;
  checks.that(at + CLOCK_SLACK_MS >= from && at - CLOCK_SLACK_MS <= until, {
    headline: `The "${FIRST_TOKEN_EVENT}" event of "${span.name}" is not at the first piece of the answer.`,
    expected: `the event when chunk ${first + 1} (the first with text or a tool call) arrives`,
    got: at < from ? `${Math.round(from - at)} ms before it` : `${Math.round(at - until)} ms after the chunk that followed it`,
    hint: 2,
    mistake:
      at < from
        ? roleChunkFirst
          ? "the event is added at an earlier chunk: the first chunk may carry only role: \"assistant\", no token. Add it at the first delta with content or tool_calls."
          : "the event is added before the stream is read: add it inside the for await loop, at the first piece."
        : "the event is added late (after the loop?): add it inside the loop, when the first piece arrives.",
  });
}

/**
 * The stream ended with the provider's error event (a gateway whose upstream failed): a failure,
 * recorded in the provider's own words, not a TypeError from reading choices it does not have,
 * nor a "cut off" from reading past it.
 */
function checkProviderError(checks: SpanChecks, span: ReadableSpan, event: StreamErrorEvent): void {
  const providerWords = String(event.error.message);
  const recorded = span.events.filter((each) => each.name === "exception").map((each) => ({ type: String(each.attributes?.["exception.type"]), message: String(each.attributes?.["exception.message"]) }));
  const readAsChunk = recorded.find((each) => each.type === "TypeError");
  const readPastIt = recorded.find((each) => each.type === "ModelConnectionCutError");
  const mistake = readAsChunk
    ? `the provider's error event was read as a chunk of the answer: it has no choices, so reading chunk.choices[0] threw "${readAsChunk.message}" and the provider's words are lost. Not every event is a chunk: when isStreamError(chunk), throw new ModelStreamError(chunk) before reading its choices.`
    : readPastIt
      ? "the provider's error event was skipped like a chunk without a choice, and the stream then ended without [DONE], so the span says the connection was cut: the provider's words are lost. When isStreamError(chunk), throw new ModelStreamError(chunk)."
      : span.status.code !== SpanStatusCode.ERROR
        ? "the provider's error event ended the stream, and that is a failure, not the end of the answer: throw new ModelStreamError(chunk) when isStreamError(chunk), so that the catch records it."
        : undefined;
  checks.status(span, "ERROR", { hint: 1, mistake });
  checks.exceptionEvent(span, new RegExp(escapeRegExp(providerWords.slice(0, 80))), { hint: 1, mistake: mistake ?? "the exception recorded should carry the provider's own words (chunk.error.message): new ModelStreamError(chunk) does." });
}

/**
 * What an error thrown out of a streamed turn says about how the stream was read, on its evidence:
 * a TypeError from the provider's error event or from a chunk without a choice, or the error
 * event thrown as a plain Error, which the chat turn cannot tell from a bug.
 */
export function thrownStreamMistake(thrown: unknown, tap: StreamTap): string | undefined {
  const errorEvent = tap.streams.find((stream) => stream.errorEvent)?.errorEvent;
  if (thrown instanceof TypeError && errorEvent) {
    return `the provider's error event was read as a chunk of the answer: it has no choices, so reading them threw "${thrown.message}" and the provider's words are lost. Not every event is a chunk: when isStreamError(chunk), throw new ModelStreamError(chunk) before reading its choices.`;
  }
  if (thrown instanceof TypeError && /reading '(delta|finish_reason|0)'/.test(thrown.message)) {
    return "a chunk without a choice was read as if it had one: the usage chunk comes with choices: [] (or none at all), so chunk.choices[0] is undefined there. Read chunk.usage first, then skip a chunk whose choices[0] is missing.";
  }
  if (thrown instanceof Error && thrown.name === "AbortError") {
    return "the stop went on up as a failure (an AbortError), though the model did not fail: the caller stopped reading. In callModel's catch, when signal?.aborted, add the STREAM_STOPPED_EVENT and return { message, stopped: true } instead of rethrowing.";
  }
  if (thrown instanceof Error && errorEvent && thrown.message === errorEvent.error.message) {
    return "the error thrown for the error event is not a ModelStreamError, so explainModelFailure does not know it: throw new ModelStreamError(chunk).";
  }
  return undefined;
}

/** The turn's reply tells the user the provider cut the answer off, in the provider's words. */
export function checkToldProviderCutOff(lessonChecks: SpanChecks, reply: string, tap: StreamTap): void {
  const checks = lessonChecks.taughtIn("streaming");
  const providerWords = String(tap.streams.find((stream) => stream.errorEvent)?.errorEvent?.error.message);
  checks.that(/cut (the answer )?off/i.test(reply) && reply.includes(providerWords), {
    headline: "The user is not told that the provider cut the answer off, and why.",
    expected: `a reply saying the provider cut the answer off, with its words: ${JSON.stringify(providerWords)}`,
    got: reply,
    hint: 1,
    mistake: /Something went wrong/.test(reply) ? "the error thrown for the error event is not a ModelStreamError, so explainModelFailure does not know it: throw new ModelStreamError(chunk)." : undefined,
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function checkStopped(checks: SpanChecks, span: ReadableSpan): void {
  recordChecked(STREAM_STOPPED_EVENT);
  checks.that(span.status.code !== SpanStatusCode.ERROR, {
    headline: `The LLM span "${span.name}" is an ERROR, but the model did not fail: the caller stopped reading.`,
    expected: "no ERROR status when signal.aborted: the stop was asked for",
    got: `ERROR${span.status.message ? ` (${span.status.message})` : ""}`,
    hint: 4,
  });
  const lookalike = span.events.find((event) => event.name !== STREAM_STOPPED_EVENT && /stop|abort|cancel/i.test(event.name));
  checks.that(span.events.some((event) => event.name === STREAM_STOPPED_EVENT), {
    headline: `The LLM span "${span.name}" does not say its stream was stopped before the end.`,
    expected: `span.addEvent("${STREAM_STOPPED_EVENT}") when the caller stops reading`,
    got: `events: [${span.events.map((event) => JSON.stringify(event.name)).join(", ")}]`,
    hint: 4,
    mistake: lookalike ? `the event is named "${lookalike.name}": name it exactly "${STREAM_STOPPED_EVENT}".` : undefined,
  });
}
