// POST /api/chat: the conversation in, the assistant's answer out; the tool loop runs here.
import { randomUUID } from "node:crypto";
import { context } from "@opentelemetry/api";
import { setSession } from "@arizeai/openinference-core";
import { SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import type { FastifyInstance } from "fastify";
import type { ModelConnection } from "../../../../shared/chatbot/connect-model.ts";
import type { ChatRequest, ChatResponse, ErrorResponse } from "../../api.ts";
import { clientHangUpSignal, TurnCancelledError } from "../cancellation.ts";
import { chatTurn } from "../chatbot.ts";
import { requestContext } from "../http-span.ts";
import { modelFailure } from "../model-failure.ts";

export const MAX_MESSAGES = 200;
export const MAX_MESSAGE_LENGTH = 20_000;

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

export interface ChatRouteOptions {
  model: ModelConnection;
  modelTimeoutMs: number;
  /** aborted when the app stops with turns still running: they end (and so do their spans) at once */
  stopping?: AbortSignal;
}

export function chatRoute(app: FastifyInstance, { model, modelTimeoutMs, stopping }: ChatRouteOptions): void {
  app.post<{ Body: ChatRequest; Reply: ChatResponse | ErrorResponse }>("/api/chat", { schema: { body: chatRequestSchema } }, async (request, reply) => {
    const { messages } = request.body;
    if (messages.at(-1)?.role !== "user") {
      return reply.code(400).send({ error: 'The last message must be the user\'s question (role "user").' });
    }
    const blank = messages.findIndex((message) => message.role === "user" && message.content.trim() === "");
    if (blank !== -1) {
      return reply.code(400).send({ error: `messages[${blank}].content is empty or only whitespace: every user message needs some text.` });
    }
    const sessionId = request.body.sessionId ?? randomUUID();
    const serverSpan = request.serverSpan?.span;
    serverSpan?.setAttribute(SemanticConventions.SESSION_ID, sessionId);
    const { traceId, spanId } = serverSpan?.spanContext() ?? { traceId: "", spanId: "" };

    // setSession puts session.id in the context: every span of the turn copies it from there.
    const turnContext = setSession(requestContext(request), { sessionId });
    // The client hanging up, or the app stopping, cancels the turn and its model call.
    const signal = AbortSignal.any([clientHangUpSignal(reply), ...(stopping ? [stopping] : [])]);
    try {
      const answer = await context.with(turnContext, () => chatTurn(model, messages, { timeoutMs: modelTimeoutMs, signal }));
      return { message: { role: "assistant", content: answer }, sessionId, traceId, spanId };
    } catch (error) {
      // (After a hang-up nobody reads this answer; when the app is stopping, the client does.)
      if (error instanceof TurnCancelledError) return reply.code(503).send({ error: error.message, traceId });
      const failure = modelFailure(error);
      if (!failure) throw error;
      return reply.code(failure.statusCode).send({ error: failure.message, traceId });
    }
  });
}
