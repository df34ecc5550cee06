// POST /api/feedback: thumbs up (1) or down (0) on an answer, saved in Phoenix as a span annotation.
import type { FastifyInstance } from "fastify";
import type { ErrorResponse, FeedbackRequest, FeedbackResponse } from "../../api.ts";
import { PhoenixRejectedError, PhoenixUnreachableError, sendFeedback, type PhoenixConnection } from "../phoenix-feedback.ts";

const feedbackRequestSchema = {
  type: "object",
  required: ["spanId", "score"],
  additionalProperties: false,
  properties: {
    // an OpenTelemetry span id: 16 hex digits, as POST /api/chat returned it
    spanId: { type: "string", pattern: "^[0-9a-f]{16}$" },
    score: { type: "integer", enum: [0, 1] },
  },
} as const;

export function feedbackRoute(app: FastifyInstance, { phoenix, flushSpans }: { phoenix: PhoenixConnection; flushSpans: () => Promise<void> }): void {
  app.post<{ Body: FeedbackRequest; Reply: FeedbackResponse | ErrorResponse }>(
    "/api/feedback",
    { schema: { body: feedbackRequestSchema } },
    async (request, reply) => {
      // The batch processor may still hold the span: send it first, so Phoenix has it.
      // (A failed flush is the exporter's business: it has already warned.)
      await flushSpans().catch(() => {});
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
