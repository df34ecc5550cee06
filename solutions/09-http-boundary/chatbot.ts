// Lesson 9: the HTTP boundary. The chatbot becomes a small HTTP server (the chat turn behind
// POST /chat) and a client that calls it, and one trace follows the question from the client
// to the server: the client's CLIENT span is the root, the server's SERVER span its child, the
// chat turn below that. Two W3C headers carry what crosses: `traceparent` (the trace and the
// calling span) and `baggage` (the session id), written and read by hand.
// Run it: npx tsx lessons/09-http-boundary/chatbot.ts "What's the weather in Paris?"
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, context, propagation, trace, type Attributes, type Span } from "@opentelemetry/api";
import { getAttributesFromContext, getTags, setMetadata, setSession, setTags, setUser } from "@arizeai/openinference-core";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_FULL,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} from "@opentelemetry/semantic-conventions";
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
  SESSION_ID,
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
import { runHttpLesson } from "../../shared/lesson-runner/run-http-lesson.ts";
import { phoenixExporter, setupTracing } from "./tracing.ts";

// ─── The chat turn, as lessons 2 to 8 built it ──────────────────────────────────────────────
// Unchanged. chatTurn runs a turn of a conversation in this process (the tests still hold it to
// everything lessons 2 to 8 taught); the server below runs the same traced work, answer(...),
// for each request it gets.

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
  return { sessionId: randomUUID(), userId, metadata: { channel: "terminal" }, tags: ["workbook", "lesson-9"], messages: [] };
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


// ─── The HTTP boundary (this lesson) ─────────────────────────────────────────────────────────
// The server: POST /chat with {"question": "..."} is answered {"reply": "..."}. The client: asks
// it a question. Each side traces its half, and the headers join the halves into one trace.

/** The chat endpoint's route: the same on both sides. */
const CHAT_ROUTE = "/chat";

export interface ChatServer {
  /** where it listens, e.g. http://127.0.0.1:53211 */
  url: string;
  close(): Promise<void>;
}

/** Starts the chat server on a free port of 127.0.0.1 (loopback only: nothing outside this machine can reach it). */
export async function startChatServer(model: ModelConnection): Promise<ChatServer> {
  const server = createServer((request, response) => {
    const path = (request.url ?? "/").split("?")[0];
    if (request.method === "POST" && path === CHAT_ROUTE) void handleChat(model, request, response);
    else respond(response, 404, { error: `Nothing here: the chatbot answers POST ${CHAT_ROUTE}.` });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The server side of one request, traced as a SERVER span: the child of the caller's span when its traceparent names one. */
async function handleChat(model: ModelConnection, request: IncomingMessage, response: ServerResponse): Promise<void> {
  // The caller's trace context and baggage, read from its headers into an empty context. Not into
  // context.active(): Node runs every request in the context that was active when the server
  // started listening, and a request without traceparent must start a trace of its own.
  let requestContext = propagation.extract(ROOT_CONTEXT, request.headers);
  // The session id came as baggage; as a context attribute, every span of this request carries it.
  const sessionId = propagation.getBaggage(requestContext)?.getEntry(SESSION_ID)?.value;
  if (sessionId) requestContext = setSession(requestContext, { sessionId });

  await context.with(requestContext, () =>
    tracer.startActiveSpan(
      `POST ${CHAT_ROUTE}`,
      {
        // OTel's kind says "this process received the request"; Phoenix reads only the OpenInference kind.
        kind: SpanKind.SERVER,
        attributes: {
          [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
          [ATTR_HTTP_REQUEST_METHOD]: "POST",
          [ATTR_URL_PATH]: CHAT_ROUTE,
          [ATTR_URL_SCHEME]: "http",
          [ATTR_HTTP_ROUTE]: CHAT_ROUTE,
          [ATTR_SERVER_ADDRESS]: request.socket.localAddress,
          [ATTR_SERVER_PORT]: request.socket.localPort,
          ...contextAttributes(),
        },
      },
      async (span) => {
        try {
          const question = questionOf(await readBody(request));
          span.setAttributes({ [INPUT_VALUE]: question, [INPUT_MIME_TYPE]: MimeType.TEXT });
          const reply = await answer(model, [], question, {});
          span.setAttributes({ [OUTPUT_VALUE]: reply, [OUTPUT_MIME_TYPE]: MimeType.TEXT, [ATTR_HTTP_RESPONSE_STATUS_CODE]: 200 });
          span.setStatus({ code: SpanStatusCode.OK });
          respond(response, 200, { reply });
        } catch (error) {
          const status = error instanceof BadRequest ? 400 : 500;
          span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          // A 4xx is the caller's mistake, not this span's failure: the HTTP conventions leave a
          // SERVER span's status unset then. A 5xx is ours: ERROR, the exception, error.type.
          if (status >= 500) {
            span.recordException(error as Error);
            span.setAttribute(ATTR_ERROR_TYPE, String(status));
            span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
          }
          respond(response, status, { error: error instanceof BadRequest ? error.message : "The server could not answer." });
        } finally {
          span.end();
        }
      },
    ),
  );
}

/** The client side: asks the chat server a question in a CLIENT span, the root of the trace. */
export async function askChatServer(serverUrl: string, sessionId: string, question: string): Promise<string> {
  // The session goes into this call's context twice: as a context attribute (for this side's
  // span) and as baggage (which propagation.inject writes into the request for the server).
  let callContext = setSession(context.active(), { sessionId });
  callContext = propagation.setBaggage(callContext, propagation.createBaggage({ [SESSION_ID]: { value: sessionId } }));
  return context.with(callContext, () => postQuestion(new URL(CHAT_ROUTE, serverUrl), question));
}

async function postQuestion(url: URL, question: string): Promise<string> {
  return tracer.startActiveSpan(
    `POST ${CHAT_ROUTE}`,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        // The root of the trace: Phoenix lists the trace by this span's kind, input and output.
        [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
        [ATTR_HTTP_REQUEST_METHOD]: "POST",
        [ATTR_URL_FULL]: url.href,
        [ATTR_SERVER_ADDRESS]: url.hostname,
        [ATTR_SERVER_PORT]: Number(url.port),
        [INPUT_VALUE]: question,
        [INPUT_MIME_TYPE]: MimeType.TEXT,
        ...contextAttributes(),
      },
    },
    async (span) => {
      try {
        const headers: Record<string, string> = { "content-type": "application/json" };
        // Inside the span's callback, the active context holds this span and the baggage: inject
        // writes them as `traceparent: 00-<trace id>-<this span's id>-01` and `baggage: session.id=...`.
        propagation.inject(context.active(), headers);
        const response = await fetch(url, { method: "POST", headers, body: JSON.stringify({ question }) });
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.status);
        const body = (await response.json()) as { reply?: string; error?: string };
        if (!response.ok) throw new ChatServerError(response.status, body.error ?? response.statusText);
        const reply = body.reply ?? "";
        span.setAttributes({ [OUTPUT_VALUE]: reply, [OUTPUT_MIME_TYPE]: MimeType.TEXT });
        span.setStatus({ code: SpanStatusCode.OK });
        return reply;
      } catch (error) {
        // For a client, any 4xx or 5xx is a failed call; so is no answer at all (error.type: what happened).
        span.recordException(error as Error);
        span.setAttribute(ATTR_ERROR_TYPE, error instanceof ChatServerError ? String(error.status) : (error as Error).name);
        span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(error) });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

/** A request the server cannot answer because of what it holds: a 400, with the reason. */
class BadRequest extends Error {
  override name = "BadRequest";
}

/** The server answered with an error status. */
export class ChatServerError extends Error {
  override name = "ChatServerError";
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(`The chat server answered HTTP ${status}: ${reason}`);
  }
}

/** The question in a request body {"question": "..."}, or a BadRequest saying what is wrong. */
function questionOf(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new BadRequest('The request body is not JSON. Send {"question": "..."} with content-type application/json.');
  }
  const question = (parsed as { question?: unknown } | null)?.question;
  if (typeof question !== "string" || question.trim() === "") {
    throw new BadRequest('The request body has no "question": send {"question": "..."} with a question that is not empty.');
  }
  return question;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function respond(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

if (isRunDirectly(import.meta.url)) {
  await runHttpLesson({
    setupTracing,
    phoenixExporter,
    startChatServer,
    askChatServer,
    defaultQuestion: "What's the weather in Paris?",
  });
}
