// Lesson 8: streaming. The model's answer arrives in pieces and is printed as it comes; the
// LLM span stays open until the stream is read to its end (or stopped, or cut off), then
// records the answer assembled from the pieces, the token counts of the last chunk, and when
// the first token came.
// Run it: npx tsx lessons/08-streaming/chatbot.ts            (a built-in three-turn conversation)
// or:     npx tsx lessons/08-streaming/chatbot.ts "What's the weather in Paris and in Tokyo?"
// Ctrl-C while an answer streams stops that answer (the span says so); a second Ctrl-C quits.
import { randomUUID } from "node:crypto";
import { SpanStatusCode, context, trace, type Attributes, type Span } from "@opentelemetry/api";
import { getAttributesFromContext, getTags, setMetadata, setSession, setTags, setUser } from "@arizeai/openinference-core";
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
  LLM_TOOLS,
  MESSAGE_CONTENT,
  MESSAGE_ROLE,
  MESSAGE_TOOL_CALLS,
  MESSAGE_TOOL_CALL_ID,
  MimeType,
  OUTPUT_MIME_TYPE,
  OUTPUT_VALUE,
  OpenInferenceSpanKind,
  SemanticConventions,
  TAG_TAGS,
  TOOL_CALL_FUNCTION_ARGUMENTS_JSON,
  TOOL_CALL_FUNCTION_NAME,
  TOOL_CALL_ID,
  TOOL_DESCRIPTION,
  TOOL_ID,
  TOOL_JSON_SCHEMA,
  TOOL_NAME,
  TOOL_PARAMETERS,
} from "@arizeai/openinference-semantic-conventions";
import type { ModelConnection } from "../../shared/chatbot/connect-model.ts";
import type { ChatCompletionRequest, ChatMessage, FinishReason, ToolCall, ToolDefinition, Usage } from "../../shared/openai/types.ts";
import {
  ModelApiError,
  ModelConnectionCutError,
  ModelConnectionError,
  ModelResponseError,
  ModelStreamError,
  ModelTimeoutError,
  isStreamError,
} from "../../shared/chatbot/model-errors.ts";
import { findTool, toolDefinitions } from "../../shared/chatbot/tools.ts";
import { isRunDirectly } from "../../shared/lesson-runner/run-lesson.ts";
import { runConversationLesson } from "../../shared/lesson-runner/run-conversation.ts";
import { phoenixExporter, setupTracing } from "./tracing.ts";

const SYSTEM_PROMPT = "You are a helpful assistant. Use the tools when they help. Answer in one or two sentences.";
/** A model that keeps calling tools must not loop forever. */
const MAX_MODEL_CALLS = 5;
/**
 * The span event at the first piece of the answer (text or a tool call): its time minus the
 * span's start is the time to first token. The name is the one OpenInference's own Python
 * instrumentations use, so tools that read it (Phoenix shows events on the span) find it.
 */
const FIRST_TOKEN_EVENT = "First Token Stream Event";
/** The span event when the caller stopped reading before the model finished (see callModel). */
const STREAM_STOPPED_EVENT = "Stream Stopped Event";

// A tracer is cheap; get it once. Its spans go to whatever provider is registered globally.
const tracer = trace.getTracer("workbook-chatbot");

/** One chat with one user: Phoenix groups the turns of a session id into one conversation. */
export interface Conversation {
  sessionId: string;
  userId: string;
  /** recorded on each turn's root span as JSON, with the turn's number added, e.g. {"channel":"terminal","turn":2} */
  metadata: Record<string, string | number | boolean>;
  /** labels to filter traces by in Phoenix, e.g. ["workbook", "lesson-7"] */
  tags: string[];
  /** the user's questions and the assistant's replies so far, oldest first */
  messages: ChatMessage[];
}

export function newConversation(userId = "workbook-learner"): Conversation {
  return { sessionId: randomUUID(), userId, metadata: { channel: "terminal" }, tags: ["workbook", "lesson-8"], messages: [] };
}

/** What the caller of a turn can pass: where the answer's text goes as it arrives, and a way to stop it. */
export interface TurnOptions {
  /** called with each piece of the answer's text as it arrives (the terminal prints it) */
  onText?: (text: string) => void;
  /** aborted when the user stops the answer (Ctrl-C, a Stop button, a client that left) */
  signal?: AbortSignal;
}

/** Asks the questions one after another in the same conversation; returns the replies. */
export async function runConversation(model: ModelConnection, conversation: Conversation, questions: string[], options: TurnOptions = {}): Promise<string[]> {
  const replies: string[] = [];
  for (const question of questions) replies.push(await chatTurn(model, conversation, question, options));
  return replies;
}

/** One turn of the conversation: answers the user with the history in mind, then adds both to it. */
export async function chatTurn(model: ModelConnection, conversation: Conversation, userMessage: string, options: TurnOptions = {}): Promise<string> {
  const turn = conversation.messages.filter((message) => message.role === "user").length + 1;
  // Context attributes live in the OpenTelemetry context: set them for this turn, and every span
  // started inside context.with(...) can read them (contextAttributes() below copies them on).
  let turnContext = setSession(context.active(), { sessionId: conversation.sessionId });
  turnContext = setUser(turnContext, { userId: conversation.userId });
  turnContext = setMetadata(turnContext, { ...conversation.metadata, turn });
  turnContext = setTags(turnContext, conversation.tags);
  const reply = await context.with(turnContext, () => answer(model, conversation.messages, userMessage, options));
  conversation.messages.push({ role: "user", content: userMessage }, { role: "assistant", content: reply });
  return reply;
}

/** The turn's work, traced: the CHAIN span (the root of the turn's trace) and the agent loop inside it. */
async function answer(model: ModelConnection, history: ChatMessage[], userMessage: string, options: TurnOptions): Promise<string> {
  // startActiveSpan makes the span "current" inside the callback, so spans started there
  // (model calls and tool runs) become its children.
  return tracer.startActiveSpan(
    "chat_turn",
    {
      attributes: {
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
        [INPUT_VALUE]: userMessage,
        [INPUT_MIME_TYPE]: MimeType.TEXT,
        // session.id, user.id, metadata and tag.tags: on the root span, Phoenix reads the session from here.
        ...contextAttributes(),
      },
    },
    async (span) => {
      try {
        // The whole conversation so far, so the model understands "And in London?".
        const messages: ChatMessage[] = [{ role: "system", content: SYSTEM_PROMPT }, ...history, { role: "user", content: userMessage }];
        let reply = `I could not finish the answer within ${MAX_MODEL_CALLS} steps.`;
        // The agent loop: ask the model; if it calls tools, run them, add the results, ask again.
        for (let call = 1; call <= MAX_MODEL_CALLS; call++) {
          let streamed: StreamedAnswer;
          try {
            streamed = await callModel(model, messages, options);
          } catch (error) {
            // The LLM span already holds the exception. The turn fails gracefully: a useful
            // reply for the user, and an ERROR status so the failed turn stands out in Phoenix.
            const apology = explainModelFailure(error);
            span.setAttributes({ [OUTPUT_VALUE]: apology, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
            span.setStatus({ code: SpanStatusCode.ERROR, message: `model call failed: ${errorMessage(error)}` });
            return apology;
          }
          const answer = streamed.message;
          messages.push(answer);
          // Stopped by the user: the reply is what arrived, and the tools of a cut answer are not run.
          if (streamed.stopped || !answer.tool_calls?.length) {
            reply = answer.content ?? "";
            break;
          }
          for (const toolCall of answer.tool_calls) {
            const result = await runTool(toolCall);
            messages.push({ role: "tool", tool_call_id: toolCall.id, content: result });
          }
        }

        span.setAttributes({ [OUTPUT_VALUE]: reply, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
        span.setStatus({ code: SpanStatusCode.OK });
        return reply;
      } finally {
        // A span that is never ended is never exported. `finally` ends it on every path.
        span.end();
      }
    },
  );
}

/** One streamed model call: the answer assembled from its pieces, and whether the caller stopped it early. */
interface StreamedAnswer {
  message: ChatMessage;
  stopped: boolean;
}

/**
 * One request to the model, streamed, traced as an LLM span. The span is open for as long as
 * the stream is read: it ends after the last chunk, when the caller stops, or when the stream fails.
 */
async function callModel(model: ModelConnection, messages: ChatMessage[], { onText, signal }: TurnOptions): Promise<StreamedAnswer> {
  const tools = toolDefinitions();
  const request: ChatCompletionRequest = {
    model: model.model,
    messages,
    tools,
    temperature: 0.2,
    // TODO 1: ask for a stream, with the token counts in its last chunk: stream: true, stream_options: { include_usage: true }.
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
      const answer: AssembledAnswer = { text: "", toolCalls: [] };
      try {
        // TODO 2: stream the answer instead of waiting for all of it. Replace the next lines with
        //   for await (const chunk of model.streamChatCompletion(request, { signal })) { ... }
        // and put each chunk into `answer`: chunk.model; chunk.usage (it comes last, often with
        // choices: [], so read it before skipping a chunk without a choice); from choices[0].delta,
        // the text (answer.text += content, and onText?.(content) so it is printed as it arrives) and
        // each tool-call piece, at answer.toolCalls[delta.index] (id, function.name, function.arguments
        // arrive in pieces: add them up); choices[0].finish_reason, only when it is set.
        // Not every event is a chunk of the answer: a gateway whose upstream failed sends one last
        // error event, { error: { message, ... } } with no choices. When isStreamError(chunk),
        // throw new ModelStreamError(chunk): the catch records it, in the provider's own words.
        // TODO 3: inside the loop, at the first piece of text or tool call, span.addEvent(FIRST_TOKEN_EVENT), once.
        const response = await model.createChatCompletion(request);
        const message = response.choices[0]?.message ?? { role: "assistant" as const, content: "" };
        answer.text = message.content ?? "";
        answer.toolCalls = message.tool_calls ?? [];
        answer.finishReason = response.choices[0]?.finish_reason;
        answer.usage = response.usage;
        answer.model = response.model;
        if (message.content) onText?.(message.content);

        recordAnswer(span, answer, request);
        span.setStatus({ code: SpanStatusCode.OK });
        return { message, stopped: false };
      } catch (error) {
        // TODO 5: keep what arrived before the stream failed: recordAnswer(span, answer, request) here too.
        // When signal?.aborted, the user stopped the answer: the model did not fail. Then add the
        // event STREAM_STOPPED_EVENT and return { message, stopped: true } instead of what follows.
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        throw error;
      } finally {
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
    [LLM_MODEL_NAME]: answer.model ?? request.model,
    // TODO 4: a stream has no response body to record, and this is not one. output.value is what
    // the model said: the assembled text (message.content) as MimeType.TEXT; or, when the answer
    // only calls tools (message.content === null), JSON.stringify(message) as MimeType.JSON.
    [OUTPUT_VALUE]: JSON.stringify(answer),
    [OUTPUT_MIME_TYPE]: MimeType.JSON,
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
        // What the tool is, when the model named a tool we have (an unknown name fails below).
        ...(tool ? { [TOOL_DESCRIPTION]: tool.description, [TOOL_PARAMETERS]: JSON.stringify(tool.parameters) } : {}),
        [INPUT_VALUE]: toolCall.function.arguments,
        [INPUT_MIME_TYPE]: MimeType.JSON,
        ...contextAttributes(),
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

/**
 * The turn's context attributes (session.id, user.id, metadata, tag.tags), to copy onto a span.
 * A plain tracer does not read them from the context by itself (openinference-core's OITracer would).
 */
function contextAttributes(): Attributes {
  const attributes = getAttributesFromContext(context.active());
  // openinference-core 2.7 gives tag.tags as the JSON text '["a","b"]'; the spec wants a list of strings.
  const tags = getTags(context.active());
  if (tags) attributes[TAG_TAGS] = tags;
  return attributes;
}

/** Each tool offered to the model, as its full JSON definition: llm.tools.0.tool.json_schema = "{...}", ... */
function offeredToolAttributes(tools: ToolDefinition[]): Attributes {
  const attributes: Attributes = {};
  tools.forEach((tool, index) => {
    attributes[`${LLM_TOOLS}.${index}.${TOOL_JSON_SCHEMA}`] = JSON.stringify(tool);
  });
  return attributes;
}

/**
 * Span attributes are flat (no nested objects), so a list of messages becomes indexed keys:
 * llm.input_messages.0.message.role = "system", llm.input_messages.0.message.content = "...", ...
 */
function messageAttributes(prefix: string, messages: ChatMessage[]): Attributes {
  const attributes: Attributes = {};
  messages.forEach((message, index) => {
    const key = `${prefix}.${index}.`;
    attributes[key + MESSAGE_ROLE] = message.role;
    // An assistant message that only calls tools has null content: leave the key out.
    if (message.content !== null) attributes[key + MESSAGE_CONTENT] = message.content;
    // Tool calls nest one level deeper: ...message.tool_calls.0.tool_call.function.name
    message.tool_calls?.forEach((toolCall, callIndex) => {
      const callKey = `${key}${MESSAGE_TOOL_CALLS}.${callIndex}.`;
      attributes[callKey + TOOL_CALL_ID] = toolCall.id;
      attributes[callKey + TOOL_CALL_FUNCTION_NAME] = toolCall.function.name;
      attributes[callKey + TOOL_CALL_FUNCTION_ARGUMENTS_JSON] = toolCall.function.arguments;
    });
    // A tool result names the call it answers.
    if (message.tool_call_id) attributes[key + MESSAGE_TOOL_CALL_ID] = message.tool_call_id;
  });
  return attributes;
}

/** What the user reads when the model call failed: the cause, and what to do. */
function explainModelFailure(error: unknown): string {
  if (error instanceof ModelApiError && error.status === 429) {
    // Only the provider knows how long to wait (retry-after); without it, say nothing invented.
    const wait = error.retryAfterSeconds === null ? "in a moment" : `in ${error.retryAfterSeconds} seconds`;
    return `The model is busy (rate limited). Please try again ${wait}.`;
  }
  if (error instanceof ModelApiError && error.status >= 500) {
    return `The model service had an error (HTTP ${error.status}). Please try again in a moment.`;
  }
  if (error instanceof ModelApiError) return `The model rejected the request (HTTP ${error.status}): ${error.message}`;
  if (error instanceof ModelTimeoutError) return "The model took too long to answer. Please try again.";
  if (error instanceof ModelResponseError) return "The model sent an answer I could not read. Please try again.";
  // Reached, then cut off mid-answer: not the same as never reached.
  // The provider (a gateway, say) ended the stream with an error event: its own words say why.
  if (error instanceof ModelStreamError) return `The model's provider cut the answer off; please try again. It said: ${error.providerMessage}`;
  if (error instanceof ModelConnectionCutError) return "The model's answer was cut off. Please try again.";
  if (error instanceof ModelConnectionError) return "I could not reach the model. Please check that it is running.";
  return `Something went wrong while asking the model: ${errorMessage(error)}`;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (isRunDirectly(import.meta.url)) {
  await runConversationLesson({
    setupTracing,
    phoenixExporter,
    newConversation,
    chatTurn,
    streams: true,
    // The second question only makes sense with the first one in the history.
    defaultQuestions: ["What's the weather in Paris?", "And in London?", "What did I ask first?"],
  });
}
