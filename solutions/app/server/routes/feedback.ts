// POST /api/feedback: thumbs up (1) or down (0) on an answer, saved in Phoenix as a span annotation.
import type { FastifyInstance } from "fastify";
import type { ErrorResponse, FeedbackRequest, FeedbackResponse } from "../../api.ts";
import { PhoenixRejectedError, PhoenixUnreachableError, sendFeedback, type PhoenixConnection } from "../phoenix-feedback.ts";
import type { SpanDelivery } from "../warn-once-exporter.ts";

const feedbackRequestSchema = {
  type: "object",
  required: ["spanId", "score"],
  additionalProperties: false,
  properties: {
    // an OpenTelemetry span id: 16 hex digits, as POST /api/chat returned it
    spanId: { type: "string", pattern: "^[0-9a-f]{16}$" },
    score: { type: "integer", enum: [0, 1] },
    // the answer's trace id: 32 hex digits (optional)
    traceId: { type: "string", pattern: "^[0-9a-f]{32}$" },
  },
} as const;

export interface FeedbackOptions {
  phoenix: PhoenixConnection;
  flushSpans: () => Promise<void>;
  /** which traces' spans did not get through (the app's exporter) */
  spanDelivery?: SpanDelivery;
}

export function feedbackRoute(app: FastifyInstance, { phoenix, flushSpans, spanDelivery }: FeedbackOptions): void {
  app.post<{ Body: FeedbackRequest; Reply: FeedbackResponse | ErrorResponse }>(
    "/api/feedback",
    { schema: { body: feedbackRequestSchema } },
    async (request, reply) => {
      // The batch processor may still hold the span: send it first, so Phoenix has it.
      // (A failed flush is the exporter's business: it has already warned.)
      await flushSpans().catch(() => {});
      // The answer's spans never reached Phoenix (it was down, or refused them): the annotation
      // would name a span Phoenix will never have, and Phoenix drops it after a while, silently.
      const undelivered = request.body.traceId ? spanDelivery?.whyNotDelivered(request.body.traceId) : undefined;
      if (undelivered) {
        return reply.code(404).send({
          error: `Your feedback could not be recorded: this answer's trace is not in Phoenix, its spans could not be sent (${undelivered.detail}).`,
          traceId: request.body.traceId,
        });
      }
      try {
        await sendFeedback(phoenix, request.body.spanId, request.body.score);
        return { ok: true };
      } catch (error) {
        if (error instanceof PhoenixUnreachableError) return reply.code(503).send({ error: error.message });
        if (error instanceof PhoenixRejectedError) return reply.code(502).send({ error: error.message });
        throw error;
      }
    },
  );
}
