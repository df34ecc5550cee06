// One request to the model: the conversation so far, and the tools it may call, go in; its
// answer comes back. Lesson 3 traces it as an LLM span, a child of the chat turn: which model was
// asked what, with which parameters, what came back, and how many tokens it cost. Lesson 4 lists
// the conversation message by message, so Phoenix can show it as a chat; lesson 5, the tools
// offered to the model; lesson 6, a call that fails; lesson 7, the turn's session. Lesson 8
// streams it: the answer arrives in pieces and is handed on as it comes, and the LLM span stays
// open until the stream is read to its end (or stopped, or cut off), then records the answer
// assembled from the pieces, the token counts of the last chunk, and when the first token came.
import { SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import {
  INPUT_MIME_TYPE,
  INPUT_VALUE,
  LLMSystem,
  LLM_FINISH_REASON,
  LLM_INPUT_MESSAGES,
  LLM_INVOCATION_PARAMETERS,
  LLM_MODEL_NAME,
  LLM_OUTPUT_MESSAGES,
  LLM_PROVIDER,
  LLM_SYSTEM,
  LLM_TOKEN_COUNT_COMPLETION,
  LLM_TOKEN_COUNT_PROMPT,
  LLM_TOKEN_COUNT_TOTAL,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
} from "@arizeai/openinference-semantic-conventions";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import { toolDefinitions } from "../../shared/chatbot/tools.ts";
import { ModelStreamError, isStreamError } from "../../shared/chatbot/model-errors.ts";
import type { ChatCompletionRequest, ChatMessage, FinishReason, ToolCall, Usage } from "../../shared/openai/types.ts";
import { contextAttributes } from "./context-attributes.ts";
import { errorMessage } from "./failure-replies.ts";
import { messageAttributes, offeredToolAttributes } from "./message-attributes.ts";

// The same tracer as the chat turn's: the name says which part of the program made a span.
const tracer = trace.getTracer("workbook-chatbot");
/**
 * The span event at the first piece of the answer (text or a tool call): its time minus the
 * span's start is the time to first token. The name is the one OpenInference's own Python
 * instrumentations use, so tools that read it (Phoenix shows events on the span) find it.
 */
const FIRST_TOKEN_EVENT = "First Token Stream Event";
/** The span event when the caller stopped reading before the model finished (see callModel). */
const STREAM_STOPPED_EVENT = "Stream Stopped Event";

/** Where the answer's text goes as it arrives, and a way to stop it. */
export interface CallOptions {
  /** called with each piece of the answer's text as it arrives (the terminal prints it) */
  onText?: (text: string) => void;
  /** aborted when the user stops the answer (Ctrl-C, a Stop button, a client that left) */
  signal?: AbortSignal;
}

/** One streamed model call: the answer assembled from its pieces, and whether the caller stopped it early. */
export interface StreamedAnswer {
  message: ChatMessage;
  stopped: boolean;
}

/**
 * One request to the model, streamed, traced as an LLM span. The span is open for as long as
 * the stream is read: it ends after the last chunk, when the caller stops, or when the stream fails.
 */
export async function callModel(model: ModelConnection, messages: ChatMessage[], { onText, signal }: CallOptions = {}): Promise<StreamedAnswer> {
  const tools = toolDefinitions();
  const request: ChatCompletionRequest = {
    model: model.model,
    messages,
    tools,
    temperature: 0.2,
    stream: true,
    // Without this, a stream carries no token counts at all: the usage comes in one last chunk.
    stream_options: { include_usage: true },
  };
  // The invocation parameters are the request without its messages (model, temperature, tools, stream, ...).
  const { messages: _messages, ...invocationParameters } = request;

  return tracer.startActiveSpan(
    "ChatCompletion",
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM,
        // llm.system is the API family (OpenAI-compatible); llm.provider is who served it.
        [LLM_SYSTEM]: LLMSystem.OPENAI,
        [LLM_PROVIDER]: model.provider,
        [LLM_MODEL_NAME]: request.model,
        [LLM_INVOCATION_PARAMETERS]: JSON.stringify(invocationParameters),
        [INPUT_VALUE]: JSON.stringify(request),
        [INPUT_MIME_TYPE]: MimeType.JSON,
        ...messageAttributes(LLM_INPUT_MESSAGES, request.messages),
        ...offeredToolAttributes(tools),
        ...contextAttributes(),
      },
    },
    async (span) => {
      // The answer arrives in pieces (chunks): assemble it as it comes.
      const answer: AssembledAnswer = { text: "", toolCalls: [] };
      let firstToken = true;
      try {
        for await (const chunk of model.streamChatCompletion(request, { signal })) {
          // A gateway whose upstream failed mid-answer sends one last event instead of the rest:
          // an error object with no choices (and no [DONE] after it). The answer ends there, a
          // failure in the provider's own words: the catch below records it.
          if (isStreamError(chunk)) throw new ModelStreamError(chunk);
          answer.model = chunk.model;
          // The usage chunk comes last, and often with no choices at all (or one with an empty
          // delta): read it before looking at the choices, or the token counts are lost.
          if (chunk.usage) answer.usage = chunk.usage;
          const choice = chunk.choices[0];
          if (!choice) continue;
          const { content, tool_calls: toolCallDeltas } = choice.delta;
          // Time to first token: the first piece of the answer, text or a tool call. (The first
          // chunk may only say role: "assistant", with no token in it.)
          if (firstToken && (content || toolCallDeltas?.length)) {
            span.addEvent(FIRST_TOKEN_EVENT);
            firstToken = false;
          }
          if (content) {
            answer.text += content;
            onText?.(content);
          }
          for (const delta of toolCallDeltas ?? []) {
            // Parallel tool calls arrive interleaved, piece by piece: `index` says which call a
            // piece belongs to (its position in this chunk's list does not).
            const call = (answer.toolCalls[delta.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
            if (delta.id) call.id = delta.id;
            if (delta.function?.name) call.function.name += delta.function.name;
            if (delta.function?.arguments) call.function.arguments += delta.function.arguments;
          }
          // Only the last chunk of the choice says why the answer ended: the others send null,
          // or leave the field out (LiteLLM), and must not overwrite it.
          if (choice.finish_reason) answer.finishReason = choice.finish_reason;
        }
        const message = recordAnswer(span, answer, request);
        span.setStatus({ code: SpanStatusCode.OK });
        return { message, stopped: false };
      } catch (error) {
        // Keep what arrived before the stream ended: a cut-off answer is still worth seeing.
        const message = recordAnswer(span, answer, request);
        if (signal?.aborted) {
          // The caller stopped reading (the user pressed Ctrl-C, a client left): the model did
          // not fail, so no ERROR; the event says the answer is not whole.
          span.addEvent(STREAM_STOPPED_EVENT);
          return { message, stopped: true };
        }
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        throw error;
      } finally {
        // Ended once the stream is done with, on every path: finished, stopped, or failed.
        span.end();
      }
    },
  );
}

/** The answer as it was put together from the chunks so far. */
interface AssembledAnswer {
  text: string;
  /** by the delta's index: the first call at 0, the second at 1, ... */
  toolCalls: ToolCall[];
  finishReason?: FinishReason;
  usage?: Usage;
  /** the model that answered, as the chunks name it */
  model?: string;
}

/**
 * Records the assembled answer on the LLM span (nothing when no piece arrived); returns it as
 * the assistant message that goes into the history.
 */
function recordAnswer(span: Span, answer: AssembledAnswer, request: ChatCompletionRequest): ChatMessage {
  const toolCalls = answer.toolCalls.filter(Boolean);
  const message: ChatMessage = {
    role: "assistant",
    // An answer that only calls tools has no text: null, as in a non-streamed response.
    content: answer.text === "" && toolCalls.length > 0 ? null : answer.text,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
  if (answer.text === "" && toolCalls.length === 0) return message;
  span.setAttributes({
    // The chunks name the exact model version that answered.
    [LLM_MODEL_NAME]: answer.model ?? request.model,
    // A stream has no response body: output.value is what the model said, the assembled text.
    // An answer that only calls tools has no text; then it is the assembled message as JSON.
    ...(message.content !== null
      ? { [OUTPUT_VALUE]: message.content, [OUTPUT_MIME_TYPE]: MimeType.TEXT }
      : { [OUTPUT_VALUE]: JSON.stringify(message), [OUTPUT_MIME_TYPE]: MimeType.JSON }),
    ...messageAttributes(LLM_OUTPUT_MESSAGES, [message]),
  });
  if (answer.finishReason) span.setAttribute(LLM_FINISH_REASON, answer.finishReason);
  if (answer.usage) {
    span.setAttributes({
      [LLM_TOKEN_COUNT_PROMPT]: answer.usage.prompt_tokens,
      [LLM_TOKEN_COUNT_COMPLETION]: answer.usage.completion_tokens,
      [LLM_TOKEN_COUNT_TOTAL]: answer.usage.total_tokens,
    });
  }
  return message;
}
