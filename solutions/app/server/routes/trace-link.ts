// GET /api/traces/:traceId: the page's "view trace" link. Sends the turn's spans first, then
// redirects to the trace in the Phoenix UI (which addresses projects by id, looked up by name).
import type { FastifyInstance } from "fastify";
import { phoenixTraceUrl } from "../../../../shared/phoenix/trace-link.ts";
import { clientHangUpSignal } from "../cancellation.ts";
import { phoenixHeaders, type PhoenixConnection } from "../phoenix-feedback.ts";

export function traceLinkRoute(
  app: FastifyInstance,
  { phoenix, projectName, flushSpans }: { phoenix: PhoenixConnection; projectName: string; flushSpans: () => Promise<void> },
): void {
  app.get<{ Params: { traceId: string } }>(
    "/api/traces/:traceId",
    { schema: { params: { type: "object", properties: { traceId: { type: "string", pattern: "^[0-9a-f]{32}$" } } } } },
    async (request, reply) => {
      const { traceId } = request.params;
      // The client leaving (a closed tab, a cross-site <img> that gave up) stops the lookup.
      const clientGone = clientHangUpSignal(reply);
      await flushSpans().catch(() => {});
      // Bounded in pages and time (shared/phoenix/trace-link.ts); the project id is cached.
      const url = await phoenixTraceUrl(phoenix.url, projectName, traceId, phoenixHeaders(phoenix), { signal: clientGone }).catch(() => undefined);
      if (clientGone.aborted) return reply;
      // Unknown project (no span arrived yet) or Phoenix down: Phoenix's own redirect page
      // finds the trace by id when it can, and says so when it cannot.
      return reply.redirect(url ?? `${phoenix.url}/redirects/traces/${traceId}`);
    },
  );
}
