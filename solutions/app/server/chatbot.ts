// The instrumented chatbot, as the lessons build it, grown up for a server:
// - it takes the whole conversation (the client keeps it) instead of one question;
// - every span carries the turn's context attributes (session.id, and with retrieval the prompt
//   template), which the route and the turn put in the active context (setSession, setPromptTemplate);
// - a failed model call fails the turn (the route answers 502/504) after the spans have
//   recorded what happened;
// - a turn can be cancelled (an AbortSignal: the client hung up, the app is stopping), which
//   aborts the model call in flight.
//
// - streamChatTurn is the same turn streamed (POST /api/chat/stream): its model calls are traced
//   as lesson 8's solution traces them (span open until the stream ends, the answer assembled
//   from the chunks, usage from the last one, a first-token event, a stop that is no error, a
//   provider's error event that ends the stream as a failure in its own words).
//
// - with retrieval (lesson 12; the app turns it on, APP_RETRIEVAL=off turns it off), the turn first
//   finds the city guide's documents about the question (retrieval.ts) and the system prompt,
//   filled from a template, hands them to the model.
//
//   chat_turn (CHAIN)
//   ├─ retrieve (RETRIEVER)        the documents found, best first (with retrieval)
//   │  └─ CreateEmbeddings (EMBEDDING)  the question's vector
//   ├─ ChatCompletion (LLM)        the model asks for tools
//   ├─ get_weather (TOOL)          one span per tool call
//   ├─ get_weather (TOOL)
//   └─ ChatCompletion (LLM)        the model answers with the tool results
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { getAttributesFromContext } from "@arizeai/openinference-core";
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
  LLM_TOKEN_COUNT_COMPLETION_DETAILS_AUDIO,
  LLM_TOKEN_COUNT_COMPLETION_DETAILS_REASONING,
  LLM_TOKEN_COUNT_PROMPT,
  LLM_TOKEN_COUNT_PROMPT_DETAILS_AUDIO,
  LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ,
  LLM_TOKEN_COUNT_TOTAL,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
  TOOL_DESCRIPTION,
  TOOL_ID,
  TOOL_NAME,
  TOOL_PARAMETERS,
} from "@arizeai/openinference-semantic-conventions";
import type { ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import type { Attributes, Span } from "@opentelemetry/api";
import type { ChatCompletion, ChatCompletionRequest, ChatMessage, FinishReason, ToolCall, Usage } from "../../../shared/openai/types.ts";
import { ModelStreamError, isStreamError } from "../../../shared/chatbot/model-errors.ts";
import { findTool, toolDefinitions } from "../../../shared/chatbot/tools.ts";
import type { ConversationMessage } from "../api.ts";
import { TurnCancelledError } from "./cancellation.ts";
import { MAX_MODEL_CALLS } from "./limits.ts";
import { messageAttributes, offeredToolAttributes } from "./message-attributes.ts";
import { errorMessage, modelFailure, NoAnswerError, oneLine } from "./model-failure.ts";
import { INSTRUCTIONS, promptWithDocuments, retrieve, withPromptTemplate, type RetrievedDocument } from "./retrieval.ts";


const tracer = trace.getTracer("workbook-chatbot-app");

/**
 * The span event at the first piece of a streamed answer (text or a tool call): its time minus
 * the span's start is the time to first token. OpenInference's own instrumentations use this name.
 */
export const FIRST_TOKEN_EVENT = "First Token Stream Event";
/** The span event when the caller stopped reading a stream before the model finished (the client left). */
export const STREAM_STOPPED_EVENT = "Stream Stopped Event";

export interface TurnOptions {
  /** a model call that takes longer fails with a ModelTimeoutError */
  timeoutMs?: number;
  /** aborts the turn (the client hung up, the app is stopping); its reason is what the turn throws */
  signal?: AbortSignal;
  /** lesson 12: find the city guide's documents about the question first and answer from them (APP_RETRIEVAL; on in the app, off by default here) */
  retrieval?: boolean;
}

/** One chat turn: the conversation so far in, the assistant's answer out. Throws when the model fails or the turn is cancelled. */
export async function chatTurn(model: ModelConnection, conversation: ConversationMessage[], options: TurnOptions = {}): Promise<string> {
  const { reply } = await tracedTurn(
    conversation,
    async (messages, toolChoiceNone) => {
      options.signal?.throwIfAborted(); // cancelled while a tool ran: no further model call
      const response = await callModel(model, messages, { ...options, toolChoiceNone });
      return { message: response.choices[0]?.message ?? { role: "assistant", content: "" }, stopped: false };
    },
    retrievalFor(model, options),
  );
  return reply;
}

/**
 * What an LLM span records of its request (lessons 3 to 5, and the session of lesson 7). Set on
 * the span once it exists, in groups, instead of passed to startActiveSpan as one object as the
 * lessons do: OpenTelemetry copies start attributes twice (once checked for the sampler, once
 * into the span), and a long conversation's messages are hundreds of keys. For an LLM span of a
 * 100-message conversation that is about half the CPU (`npm run bench -- --spans`); the span is
 * the same.
 */
export function recordRequest(span: Span, model: ModelConnection, request: ChatCompletionRequest, invocationParameters: object): void {
  // Tracing off (OTEL_SDK_DISABLED=true, or a trace the sampler dropped): the span keeps nothing,
  // so build nothing. A conversation of 100 messages is about 450 keys and two JSON copies.
  if (!span.isRecording()) return;
  span.setAttributes({
    [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.LLM,
    [LLM_SYSTEM]: LLMSystem.OPENAI,
    [LLM_PROVIDER]: model.provider,
    [LLM_MODEL_NAME]: request.model,
    [LLM_INVOCATION_PARAMETERS]: JSON.stringify(invocationParameters),
    [INPUT_VALUE]: JSON.stringify(request),
    [INPUT_MIME_TYPE]: MimeType.JSON,
  });
  span.setAttributes(messageAttributes(LLM_INPUT_MESSAGES, request.messages));
  span.setAttributes(offeredToolAttributes(request.tools ?? []));
  span.setAttributes(getAttributesFromContext(context.active()));
}

/** One request to the model, traced as an LLM span. */
async function callModel(
  model: ModelConnection,
  messages: ChatMessage[],
  { timeoutMs, signal, toolChoiceNone = false }: TurnOptions & { toolChoiceNone?: boolean },
): Promise<ChatCompletion> {
  const tools = toolDefinitions();
  const request: ChatCompletionRequest = {
    model: model.model,
    messages,
    tools,
    ...(toolChoiceNone ? { tool_choice: "none" as const } : {}),
    temperature: 0.2,
  };
  // The invocation parameters are the request without its messages (model, temperature, tools, ...):
  // copy every field but `messages`.
  const { messages: _messages, ...invocationParameters } = request;

  return tracer.startActiveSpan(
    "ChatCompletion",
    async (span) => {
      recordRequest(span, model, request, invocationParameters);
      try {
        const response = await model.createChatCompletion(request, { timeoutMs, signal });
        if (span.isRecording()) recordResponse(span, response);
        span.setStatus({ code: SpanStatusCode.OK });
        return response;
      } catch (error) {
        // Cancelled: the abort's reason says why; what fetch made of the abort says less.
        const failure = signal?.aborted ? signal.reason : error;
        // The exception keeps the provider's full text; the status is one line (printed trees stay readable).
        span.recordException(failure as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: oneLine(errorMessage(failure)) });
        throw failure;
      } finally {
        span.end();
      }
    },
  );
}

/** What an LLM span records of a (not streamed) response. */
function recordResponse(span: Span, response: ChatCompletion): void {
  span.setAttributes({
    [LLM_MODEL_NAME]: response.model,
    [OUTPUT_VALUE]: JSON.stringify(response),
    [OUTPUT_MIME_TYPE]: MimeType.JSON,
  });
  const choice = response.choices[0];
  if (choice) {
    span.setAttributes({
      ...messageAttributes(LLM_OUTPUT_MESSAGES, [choice.message]),
      [LLM_FINISH_REASON]: choice.finish_reason,
    });
  }
  if (response.usage) span.setAttributes(tokenCountAttributes(response.usage));
}

export interface StreamTurnOptions extends TurnOptions {
  /** called with each piece of the answer's text as it arrives (the route sends it on as an event) */
  onText: (text: string) => void;
}

/** A turn's end: the reply, and whether the signal stopped it before the model finished. */
export interface StreamedTurn {
  reply: string;
  /** true when the turn was stopped (the client left, the app is stopping): the reply is what had arrived */
  stopped: boolean;
}

/**
 * One chat turn, streamed: the same agent loop with lesson 8's streamed model calls. A turn
 * stopped by its signal is not a failure (lesson 8): it ends with what had arrived, and only the
 * LLM span's "Stream Stopped Event" says it was cut short. Throws when the model fails.
 */
export async function streamChatTurn(model: ModelConnection, conversation: ConversationMessage[], options: StreamTurnOptions): Promise<StreamedTurn> {
  return tracedTurn(conversation, (messages, toolChoiceNone) => streamModel(model, messages, { ...options, toolChoiceNone }), retrievalFor(model, options));
}

/** Finds the documents about a question (a RETRIEVER span); throws when the search fails. */
export type Retrieval = (question: string) => Promise<RetrievedDocument[]>;

/** The turn's search (lesson 12), when asked for: the question's documents, through the model's embeddings endpoint. */
function retrievalFor(model: ModelConnection, { retrieval = false, timeoutMs, signal }: TurnOptions): Retrieval | undefined {
  return retrieval ? (question) => retrieve(model, question, { timeoutMs, signal }) : undefined;
}

/** One model call's answer as the agent loop needs it: the assistant's message, and whether the caller stopped it early. */
export interface ModelAnswer {
  message: ChatMessage;
  stopped: boolean;
}

/** One model call, plain or streamed; the last call allowed offers no tools (toolChoiceNone). */
export type AskModel = (messages: ChatMessage[], toolChoiceNone: boolean) => Promise<ModelAnswer>;

/**
 * The chat turn both routes share: its CHAIN span and the agent loop. Ask the model (`askModel`
 * makes one call, plain or streamed); if it calls tools, run them, add the results, ask again.
 * The last call allowed offers no tools (tool_choice "none"), so the model answers with the
 * results it has instead of being cut off with them unread.
 * With `retrieval` (lesson 12), the turn first searches the city guide for the question: the
 * documents found fill the system prompt's template, and every LLM span records the template.
 * Exported for `npm run bench`, which runs the same turn with the model called through the
 * official OpenAI instrumentation, to compare the two on the same CHAIN and TOOL spans.
 */
export async function tracedTurn(
  conversation: ConversationMessage[],
  askModel: AskModel,
  retrieval?: Retrieval,
): Promise<StreamedTurn> {
  const question = conversation.at(-1)?.content ?? "";
  return tracer.startActiveSpan(
    "chat_turn",
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
        [INPUT_VALUE]: question,
        [INPUT_MIME_TYPE]: MimeType.TEXT,
        // session.id (and any other context attribute) set by the caller with setSession().
        ...getAttributesFromContext(context.active()),
      },
    },
    async (span) => {
      try {
        // Retrieval first (lesson 12): the documents about the question go into the system prompt.
        const prompt = retrieval ? promptWithDocuments(await retrieval(question)) : undefined;
        const messages: ChatMessage[] = [{ role: "system", content: prompt?.systemPrompt ?? INSTRUCTIONS }, ...conversation];
        const loop = () => agentLoop(messages, askModel);
        const { reply, stopped } = prompt ? await withPromptTemplate(prompt.variables, loop) : await loop();
        span.setAttributes({ [OUTPUT_VALUE]: reply, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
        span.setStatus({ code: SpanStatusCode.OK });
        return { reply, stopped };
      } catch (error) {
        // The turn failed with this error (a model failure, a cancellation, a bug): record it here
        // too, so the turn itself says why it failed, as every span does, and what the user was
        // told instead of an answer.
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: oneLine(errorMessage(error)) });
        const apology = error instanceof TurnCancelledError ? error.message : modelFailure(error)?.message;
        if (apology) span.setAttributes({ [OUTPUT_VALUE]: apology, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/**
 * Ask the model; if it calls tools, run them, add the results (to `messages`), ask again; until it
 * answers or is stopped. The last call allowed offers no tools; an answer that still asks for them
 * is no answer (NoAnswerError).
 */
async function agentLoop(messages: ChatMessage[], askModel: AskModel): Promise<StreamedTurn> {
  for (let call = 1; call <= MAX_MODEL_CALLS; call++) {
    const last = call === MAX_MODEL_CALLS;
    const { message: answer, stopped } = await askModel(messages, last);
    messages.push(answer);
    // Stopped: the reply is what arrived, and the tools of a cut answer are not run.
    if (stopped || !answer.tool_calls?.length) return { reply: answer.content ?? "", stopped };
    if (last) break; // it asked for tools again although none were offered
    for (const toolCall of answer.tool_calls) {
      const result = await runTool(toolCall);
      messages.push({ role: "tool", tool_call_id: toolCall.id, content: result });
    }
  }
  // No answer after MAX_MODEL_CALLS calls: the turn failed (the route answers 502).
  throw new NoAnswerError(`The model kept calling tools and gave no answer within ${MAX_MODEL_CALLS} model calls (the last one offered no tools).`);
}

/**
 * One request to the model, streamed, traced as an LLM span (lesson 8's callModel). The span is
 * open for as long as the stream is read: it ends after the last chunk, when the caller stops,
 * or when the stream fails.
 */
async function streamModel(
  model: ModelConnection,
  messages: ChatMessage[],
  { timeoutMs, signal, onText, toolChoiceNone = false }: StreamTurnOptions & { toolChoiceNone?: boolean },
): Promise<ModelAnswer> {
  const tools = toolDefinitions();
  const request: ChatCompletionRequest = {
    model: model.model,
    messages,
    tools,
    ...(toolChoiceNone ? { tool_choice: "none" as const } : {}),
    temperature: 0.2,
    stream: true,
    // Without this, a stream carries no token counts at all: the usage comes in one last chunk.
    stream_options: { include_usage: true },
  };
  const { messages: _messages, ...invocationParameters } = request;

  return tracer.startActiveSpan(
    "ChatCompletion",
    async (span) => {
      recordRequest(span, model, request, invocationParameters);
      // The answer arrives in pieces (chunks): assemble it as it comes.
      const answer: AssembledAnswer = { text: "", toolCalls: [] };
      let firstToken = true;
      try {
        for await (const chunk of model.streamChatCompletion(request, { timeoutMs, signal })) {
          // A gateway whose upstream failed mid-answer (LiteLLM, say) sends one last event instead
          // of the rest: an error object with no choices, and no [DONE]. The answer ends there, a
          // failure in the provider's own words: the catch records it, with what had arrived.
          if (isStreamError(chunk)) throw new ModelStreamError(chunk);
          answer.model = chunk.model;
          // The usage chunk comes last, often with no choices at all: read it before the choices.
          if (chunk.usage) answer.usage = chunk.usage;
          const choice = chunk.choices[0];
          if (!choice) continue;
          const { content, tool_calls: toolCallDeltas } = choice.delta;
          // Time to first token: the first piece of the answer, text or a tool call (the first
          // chunk may only say role: "assistant").
          if (firstToken && (content || toolCallDeltas?.length)) {
            span.addEvent(FIRST_TOKEN_EVENT);
            firstToken = false;
          }
          if (content) {
            answer.text += content;
            onText(content);
          }
          for (const delta of toolCallDeltas ?? []) {
            // Parallel tool calls arrive interleaved: `index` says which call a piece belongs to.
            const toolCall = (answer.toolCalls[delta.index] ??= { id: "", type: "function", function: { name: "", arguments: "" } });
            if (delta.id) toolCall.id = delta.id;
            if (delta.function?.name) toolCall.function.name += delta.function.name;
            if (delta.function?.arguments) toolCall.function.arguments += delta.function.arguments;
          }
          // Only the last chunk of the choice says why the answer ended; later ones must not erase it.
          if (choice.finish_reason) answer.finishReason = choice.finish_reason;
        }
        const message = recordAssembledAnswer(span, answer, request);
        span.setStatus({ code: SpanStatusCode.OK });
        return { message, stopped: false };
      } catch (error) {
        // Keep what arrived before the stream ended: a cut-off answer is still worth seeing.
        const message = recordAssembledAnswer(span, answer, request);
        if (signal?.aborted) {
          // The caller stopped reading (the client left, the app is stopping): the model did not
          // fail, so no ERROR; the event says the answer is not whole.
          span.addEvent(STREAM_STOPPED_EVENT);
          return { message, stopped: true };
        }
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: oneLine(errorMessage(error)) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** A streamed answer as it was put together from the chunks so far. */
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
function recordAssembledAnswer(span: Span, answer: AssembledAnswer, request: ChatCompletionRequest): ChatMessage {
  const toolCalls = answer.toolCalls.filter(Boolean);
  const message: ChatMessage = {
    role: "assistant",
    // An answer that only calls tools has no text: null, as in a non-streamed response.
    content: answer.text === "" && toolCalls.length > 0 ? null : answer.text,
    ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
  };
  if (answer.text === "" && toolCalls.length === 0) return message;
  if (!span.isRecording()) return message; // tracing off: the message only
  span.setAttributes({
    [LLM_MODEL_NAME]: answer.model ?? request.model,
    // A stream has no response body: output.value is what the model said, the assembled text;
    // for an answer that only calls tools, the assembled message as JSON.
    ...(message.content !== null
      ? { [OUTPUT_VALUE]: message.content, [OUTPUT_MIME_TYPE]: MimeType.TEXT }
      : { [OUTPUT_VALUE]: JSON.stringify(message), [OUTPUT_MIME_TYPE]: MimeType.JSON }),
    ...messageAttributes(LLM_OUTPUT_MESSAGES, [message]),
  });
  if (answer.finishReason) span.setAttribute(LLM_FINISH_REASON, answer.finishReason);
  if (answer.usage) span.setAttributes(tokenCountAttributes(answer.usage));
  return message;
}

/**
 * Runs one tool call from the model, traced as a TOOL span; returns the result for the model.
 * A failing tool does not end the turn: the model is told what went wrong and can say so.
 */
async function runTool(toolCall: ToolCall): Promise<string> {
  const tool = findTool(toolCall.function.name);
  return tracer.startActiveSpan(
    toolCall.function.name,
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.TOOL,
        [TOOL_NAME]: toolCall.function.name,
        // tool.id ties this span to the tool_call.id in the LLM span that asked for it.
        [TOOL_ID]: toolCall.id,
        ...(tool ? { [TOOL_DESCRIPTION]: tool.description, [TOOL_PARAMETERS]: JSON.stringify(tool.parameters) } : {}),
        [INPUT_VALUE]: toolCall.function.arguments,
        [INPUT_MIME_TYPE]: MimeType.JSON,
        ...getAttributesFromContext(context.active()),
      },
    },
    async (span) => {
      try {
        if (!tool) throw new Error(`Unknown tool: ${toolCall.function.name}`);
        const result = JSON.stringify(await tool.run(JSON.parse(toolCall.function.arguments) as Record<string, unknown>));
        span.setAttributes({ [OUTPUT_VALUE]: result, [OUTPUT_MIME_TYPE]: MimeType.JSON });
        span.setStatus({ code: SpanStatusCode.OK });
        return result;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        const failure = JSON.stringify({ error: errorMessage(error) });
        span.setAttributes({ [OUTPUT_VALUE]: failure, [OUTPUT_MIME_TYPE]: MimeType.JSON });
        return failure;
      } finally {
        span.end();
      }
    },
  );
}

/** Token counts, with the details providers send (cached prompt tokens, reasoning, audio) where known. */
export function tokenCountAttributes(usage: Usage): Attributes {
  const attributes: Attributes = {
    [LLM_TOKEN_COUNT_PROMPT]: usage.prompt_tokens,
    [LLM_TOKEN_COUNT_COMPLETION]: usage.completion_tokens,
    [LLM_TOKEN_COUNT_TOTAL]: usage.total_tokens,
  };
  const details: Array<[string, number | undefined]> = [
    [LLM_TOKEN_COUNT_PROMPT_DETAILS_CACHE_READ, usage.prompt_tokens_details?.cached_tokens],
    [LLM_TOKEN_COUNT_PROMPT_DETAILS_AUDIO, usage.prompt_tokens_details?.audio_tokens],
    [LLM_TOKEN_COUNT_COMPLETION_DETAILS_REASONING, usage.completion_tokens_details?.reasoning_tokens],
    [LLM_TOKEN_COUNT_COMPLETION_DETAILS_AUDIO, usage.completion_tokens_details?.audio_tokens],
  ];
  for (const [key, value] of details) if (typeof value === "number" && Number.isFinite(value)) attributes[key] = value;
  return attributes;
}
