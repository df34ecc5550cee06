// POST /api/chat: the conversation in, the assistant's answer out; the tool loop runs here.
// POST /api/chat/stream: the same, the answer streamed as server-sent events.
import { randomUUID } from "node:crypto";
import { PassThrough } from "node:stream";
import { context, propagation, type Context } from "@opentelemetry/api";
import { setSession } from "@arizeai/openinference-core";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ModelConnection } from "../../../../shared/chatbot/connect-model.ts";
import type { ChatRequest, ChatResponse, ChatStreamEvent, ConversationMessage, ErrorResponse } from "../../api.ts";
import { clientHangUpSignal, TurnCancelledError } from "../cancellation.ts";
import { chatTurn, streamChatTurn } from "../chatbot.ts";
import { INTERNAL_ERROR_MESSAGE } from "../error-responses.ts";
import type { Evaluations } from "../evaluations.ts";
import { recordedIds, recordStreamedAnswer, requestContext, type ExchangeText } from "../http-span.ts";
import { DEFAULT_MAX_CONCURRENT_TURNS, MAX_CONVERSATION_BYTES, MAX_MESSAGE_LENGTH, MAX_MESSAGES } from "../limits.ts";
import { modelFailure } from "../model-failure.ts";

export { MAX_CONVERSATION_BYTES, MAX_MESSAGE_LENGTH, MAX_MESSAGES };

const SESSION_ID_PATTERN = /^[A-Za-z0-9._:-]+$/;
const SESSION_ID_MAX_LENGTH = 128;

const chatRequestSchema = {
  type: "object",
  required: ["messages"],
  additionalProperties: false,
  properties: {
    messages: {
      type: "array",
      minItems: 1,
      maxItems: MAX_MESSAGES,
      items: {
        type: "object",
        required: ["role", "content"],
        additionalProperties: false,
        properties: {
          role: { type: "string", enum: ["user", "assistant"] },
          // A model may answer with empty text; that answer comes back in the next turn's history.
          content: { type: "string", maxLength: MAX_MESSAGE_LENGTH },
        },
      },
    },
    sessionId: { type: "string", minLength: 1, maxLength: SESSION_ID_MAX_LENGTH, pattern: SESSION_ID_PATTERN.source },
  },
} as const;

/**
 * What a chat request's SERVER span, the root of the turn's trace, reads as in Phoenix's trace
 * list and Sessions view: the user's question in, the reply out, as text (a failed turn's output
 * is the error the user was told: see http-span.ts). The history and the ids stay out of it.
 */
export const chatExchangeText: ExchangeText = {
  // The schema has checked the body by the time this is read.
  input: (body) => (body as ChatRequest).messages.findLast((message) => message.role === "user")?.content,
  output: (answer) => (answer as Partial<ChatResponse>).message?.content,
};

export interface ChatRouteOptions {
  model: ModelConnection;
  modelTimeoutMs: number;
  /**
   * lesson 12: each turn first finds the city guide's documents about the question. Off when not
   * given, here and in chatbot.ts (a route or a turn does what it is told); the app's buildServer
   * passes APP_RETRIEVAL's value, on by default.
   */
  retrieval?: boolean;
  /** aborted when the app stops with turns still running: they end (and so do their spans) at once */
  stopping?: AbortSignal;
  /** turns answered at once; one more gets a 503 (each holds a few copies of its conversation) */
  maxConcurrentTurns?: number;
  /** where a failure after a stream has begun is logged (the error handler logs the others) */
  log?: (message: string) => void;
  /** lesson 10's evaluations, run on each answer once it has been sent; none: answers are not judged */
  evaluations?: Evaluations;
}

export function chatRoute(
  app: FastifyInstance,
  { model, modelTimeoutMs, retrieval = false, stopping, maxConcurrentTurns = DEFAULT_MAX_CONCURRENT_TURNS, log = console.error, evaluations }: ChatRouteOptions,
): void {
  // One count for both routes: a streamed turn holds what a plain one does.
  let turnsInProgress = 0;

  /** Answers to judge once they have been sent (see judgeWhenSent). */
  const toJudge = new WeakMap<FastifyRequest, () => void>();
  /**
   * A route's onResponse hook: Fastify calls it once the answer has been sent in full (never when
   * the client hung up), after the app's own onResponse hook, which ended the SERVER span. So the
   * judges start when nobody waits any more, and the SERVER span's duration does not count them.
   */
  const judgeWhenSent = async (request: FastifyRequest) => {
    toJudge.get(request)?.();
    toJudge.delete(request);
  };

  /**
   * Marks an answer for judging: the last question and the reply, on the span the answer names
   * (the SERVER span, where feedback goes), in the turn's context (the SERVER span active: the
   * EVALUATOR spans are its children; the session on each). Not when the turn was not recorded
   * (tracing off, not sampled): there would be no span to annotate.
   */
  function judgeAfterSending(request: FastifyRequest<{ Body: ChatRequest }>, turn: { context: Context; ids: { spanId?: string } }, reply: string) {
    const spanId = turn.ids.spanId;
    if (!evaluations || !spanId) return;
    const question = request.body.messages.findLast((message) => message.role === "user")!.content;
    toJudge.set(request, () => void context.with(turn.context, () => evaluations.judge({ question, reply }, spanId)));
  }

  /** Why a request is not answered (the same checks for both routes), or undefined. */
  function refusal(messages: ConversationMessage[]): Refusal | undefined {
    if (messages.at(-1)?.role !== "user") {
      return { statusCode: 400, error: 'The last message must be the user\'s question (role "user").' };
    }
    const blank = messages.findIndex((message) => message.role === "user" && message.content.trim() === "");
    if (blank !== -1) {
      return { statusCode: 400, error: `messages[${blank}].content is empty or only whitespace: every user message needs some text.` };
    }
    // Each message is capped, and so is the whole: what one request may make the app (and its
    // spans, which copy the conversation) hold is bounded (see limits.ts).
    const conversationBytes = messages.reduce((sum, message) => sum + Buffer.byteLength(message.content, "utf8"), 0);
    if (conversationBytes > MAX_CONVERSATION_BYTES) {
      return {
        statusCode: 413,
        error:
          `The conversation is too long: its messages hold ${conversationBytes} bytes of text, and the limit is ` +
          `${MAX_CONVERSATION_BYTES} bytes (${MAX_CONVERSATION_BYTES / 1024} KiB) for all messages together. Start a new conversation.`,
      };
    }
    if (turnsInProgress >= maxConcurrentTurns) {
      return { statusCode: 503, retryAfter: 1, error: `The app is answering ${maxConcurrentTurns} questions already (APP_MAX_CONCURRENT_TURNS): try again in a moment.` };
    }
    return undefined;
  }

  /** What both routes start a turn with: its session id, the ids to send back, its context, what cancels it. */
  function beginTurn(request: FastifyRequest<{ Body: ChatRequest }>, reply: FastifyReply) {
    const turnContext = requestContext(request);
    // The client's own session id; else the one a traced client sent as W3C baggage (npm run chat);
    // else a new one.
    const sessionId = request.body.sessionId ?? sessionIdFromBaggage(turnContext) ?? randomUUID();
    const serverSpan = request.serverSpan?.span;
    serverSpan?.setAttribute(SemanticConventions.SESSION_ID, sessionId);
    return {
      sessionId,
      // The ids go out only when the turn is really recorded: a trace link or feedback on a span
      // that was never recorded (tracing off) would point at nothing.
      ids: recordedIds(serverSpan),
      // setSession puts session.id in the context: every span of the turn copies it from there.
      context: setSession(turnContext, { sessionId }),
      // The client hanging up, or the app stopping, cancels the turn and its model call.
      signal: AbortSignal.any([clientHangUpSignal(reply), ...(stopping ? [stopping] : [])]),
    };
  }

  app.post<{ Body: ChatRequest; Reply: ChatResponse | ErrorResponse }>("/api/chat", { schema: { body: chatRequestSchema }, onResponse: judgeWhenSent }, async (request, reply) => {
    const { messages } = request.body;
    const refused = refusal(messages);
    if (refused) return refuse(reply, refused);
    const turn = beginTurn(request, reply);
    turnsInProgress += 1;
    try {
      const answer = await context.with(turn.context, () => chatTurn(model, messages, { timeoutMs: modelTimeoutMs, signal: turn.signal, retrieval }));
      judgeAfterSending(request, turn, answer);
      return { message: { role: "assistant", content: answer }, sessionId: turn.sessionId, ...turn.ids };
    } catch (error) {
      // (After a hang-up nobody reads this answer; when the app is stopping, the client does.)
      if (error instanceof TurnCancelledError) return reply.code(503).send({ error: error.message, traceId: turn.ids.traceId });
      const failure = modelFailure(error);
      if (!failure) throw error; // a bug: the error handler's 500, with the trace id (error-responses.ts)
      return reply.code(failure.statusCode).send({ error: failure.message, traceId: turn.ids.traceId });
    } finally {
      turnsInProgress -= 1;
    }
  });

  // The same turn, streamed as server-sent events (see ChatStreamEvent in api.ts). The stream
  // opens with the first piece of text: a turn that fails before it gets the same 4xx/5xx JSON
  // as /api/chat; once it is open (the 200 sent), an error event says what went wrong.
  app.post<{ Body: ChatRequest }>("/api/chat/stream", { schema: { body: chatRequestSchema }, onResponse: judgeWhenSent }, async (request, reply) => {
    const { messages } = request.body;
    const refused = refusal(messages);
    if (refused) return refuse(reply, refused);
    const turn = beginTurn(request, reply);
    let events: PassThrough | undefined;
    const send = (event: ChatStreamEvent) => {
      if (!events) {
        events = new PassThrough();
        void reply.type("text/event-stream; charset=utf-8").header("cache-control", "no-cache").send(events);
      }
      // Destroyed when the client has gone: nobody to write to.
      if (!events.destroyed) events.write(`event: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`);
    };
    /** The last event: the SERVER span reads as what it says (http-span.ts), then the stream ends. */
    const finish = (event: ChatStreamEvent & { event: "done" | "error" }, errorType?: string) => {
      recordStreamedAnswer(request, event.data, errorType);
      send(event);
      if (!events!.destroyed) events!.end();
      return reply;
    };
    turnsInProgress += 1;
    try {
      const onText = (text: string) => send({ event: "delta", data: { text } });
      const { reply: answer, stopped } = await context.with(turn.context, () =>
        streamChatTurn(model, messages, { timeoutMs: modelTimeoutMs, signal: turn.signal, onText, retrieval }),
      );
      // Stopped: the client has gone (nothing to send), or the app is stopping (it is told why).
      if (stopped) throw turn.signal.reason;
      judgeAfterSending(request, turn, answer);
      return finish({ event: "done", data: { message: { role: "assistant", content: answer }, sessionId: turn.sessionId, ...turn.ids } });
    } catch (error) {
      const failure = error instanceof TurnCancelledError ? { statusCode: 503, message: error.message } : modelFailure(error);
      if (!events) {
        if (!failure) throw error; // a bug: the error handler's 500, with the trace id (error-responses.ts)
        return reply.code(failure.statusCode).send({ error: failure.message, traceId: turn.ids.traceId });
      }
      if (!failure) {
        log(`POST /api/chat/stream failed mid-stream: ${(error as Error).stack ?? String(error)}`);
        request.serverSpan?.span.recordException(error as Error);
      }
      return finish({ event: "error", data: { error: failure?.message ?? INTERNAL_ERROR_MESSAGE, traceId: turn.ids.traceId } }, (error as Error).name);
    } finally {
      turnsInProgress -= 1;
    }
  });
}

interface Refusal {
  statusCode: 400 | 413 | 503;
  error: string;
  /** seconds, for a retry-after header */
  retryAfter?: number;
}

function refuse(reply: FastifyReply, { statusCode, error, retryAfter }: Refusal) {
  if (retryAfter !== undefined) reply.header("retry-after", String(retryAfter));
  return reply.code(statusCode).send({ error });
}

/**
 * The session id of a W3C `baggage` header (`baggage: session.id=...`), held to the rules of the
 * body's sessionId: the header is the caller's to write, like the body.
 */
function sessionIdFromBaggage(requestContext: Context): string | undefined {
  const value = propagation.getBaggage(requestContext)?.getEntry(SemanticConventions.SESSION_ID)?.value;
  return value !== undefined && SESSION_ID_PATTERN.test(value) && value.length <= SESSION_ID_MAX_LENGTH ? value : undefined;
}
