// POST /api/chat: the conversation in, the assistant's answer out; the tool loop runs here.
import { randomUUID } from "node:crypto";
import { context, TraceFlags, type Span } from "@opentelemetry/api";
import { setSession } from "@arizeai/openinference-core";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import type { FastifyInstance } from "fastify";
import type { ModelConnection } from "../../../../shared/chatbot/connect-model.ts";
import type { ChatRequest, ChatResponse, ErrorResponse } from "../../api.ts";
import { clientHangUpSignal, TurnCancelledError } from "../cancellation.ts";
import { chatTurn } from "../chatbot.ts";
import { requestContext, type ExchangeText } from "../http-span.ts";
import { DEFAULT_MAX_CONCURRENT_TURNS, MAX_CONVERSATION_BYTES, MAX_MESSAGE_LENGTH, MAX_MESSAGES } from "../limits.ts";
import { modelFailure } from "../model-failure.ts";

export { MAX_CONVERSATION_BYTES, MAX_MESSAGE_LENGTH, MAX_MESSAGES };

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
    sessionId: { type: "string", minLength: 1, maxLength: 128, pattern: "^[A-Za-z0-9._:-]+$" },
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
  /** aborted when the app stops with turns still running: they end (and so do their spans) at once */
  stopping?: AbortSignal;
  /** turns answered at once; one more gets a 503 (each holds a few copies of its conversation) */
  maxConcurrentTurns?: number;
}

export function chatRoute(app: FastifyInstance, { model, modelTimeoutMs, stopping, maxConcurrentTurns = DEFAULT_MAX_CONCURRENT_TURNS }: ChatRouteOptions): void {
  let turnsInProgress = 0;
  app.post<{ Body: ChatRequest; Reply: ChatResponse | ErrorResponse }>("/api/chat", { schema: { body: chatRequestSchema } }, async (request, reply) => {
    const { messages } = request.body;
    if (messages.at(-1)?.role !== "user") {
      return reply.code(400).send({ error: 'The last message must be the user\'s question (role "user").' });
    }
    const blank = messages.findIndex((message) => message.role === "user" && message.content.trim() === "");
    if (blank !== -1) {
      return reply.code(400).send({ error: `messages[${blank}].content is empty or only whitespace: every user message needs some text.` });
    }
    // Each message is capped, and so is the whole: what one request may make the app (and its
    // spans, which copy the conversation) hold is bounded (see limits.ts).
    const conversationBytes = messages.reduce((sum, message) => sum + Buffer.byteLength(message.content, "utf8"), 0);
    if (conversationBytes > MAX_CONVERSATION_BYTES) {
      return reply.code(413).send({
        error:
          `The conversation is too long: its messages hold ${conversationBytes} bytes of text, and the limit is ` +
          `${MAX_CONVERSATION_BYTES} bytes (${MAX_CONVERSATION_BYTES / 1024} KiB) for all messages together. Start a new conversation.`,
      });
    }
    if (turnsInProgress >= maxConcurrentTurns) {
      return reply
        .code(503)
        .header("retry-after", "1")
        .send({ error: `The app is answering ${maxConcurrentTurns} questions already (APP_MAX_CONCURRENT_TURNS): try again in a moment.` });
    }
    const sessionId = request.body.sessionId ?? randomUUID();
    const serverSpan = request.serverSpan?.span;
    serverSpan?.setAttribute(SemanticConventions.SESSION_ID, sessionId);
    // The ids go out only when the turn is really recorded: a trace link or feedback on a span
    // that was never recorded (tracing off) would point at nothing.
    const ids = recordedIds(serverSpan);

    // setSession puts session.id in the context: every span of the turn copies it from there.
    const turnContext = setSession(requestContext(request), { sessionId });
    // The client hanging up, or the app stopping, cancels the turn and its model call.
    const signal = AbortSignal.any([clientHangUpSignal(reply), ...(stopping ? [stopping] : [])]);
    turnsInProgress += 1;
    try {
      const answer = await context.with(turnContext, () => chatTurn(model, messages, { timeoutMs: modelTimeoutMs, signal }));
      return { message: { role: "assistant", content: answer }, sessionId, ...ids };
    } catch (error) {
      // (After a hang-up nobody reads this answer; when the app is stopping, the client does.)
      if (error instanceof TurnCancelledError) return reply.code(503).send({ error: error.message, traceId: ids.traceId });
      const failure = modelFailure(error);
      if (!failure) throw error;
      return reply.code(failure.statusCode).send({ error: failure.message, traceId: ids.traceId });
    } finally {
      turnsInProgress -= 1;
    }
  });
}

/** The server span's trace and span id when the span is recorded and sampled (exported); {} otherwise. */
function recordedIds(span: Span | undefined): { traceId?: string; spanId?: string } {
  if (!span?.isRecording()) return {};
  const { traceId, spanId, traceFlags } = span.spanContext();
  return (traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? { traceId, spanId } : {};
}
