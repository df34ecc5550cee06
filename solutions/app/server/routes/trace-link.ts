// GET /api/traces/:traceId: the page's "view trace" link. Sends the turn's spans first, then
// redirects to the trace in the Phoenix UI (which addresses projects by id, looked up by name).
// When the exporter reports that the trace's spans did not get through (Phoenix refused them, or
// was not running), there is nothing in Phoenix to show: the link says so, and why, instead.
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { phoenixTraceUrl } from "../../../../shared/phoenix/trace-link.ts";
import { clientHangUpSignal } from "../cancellation.ts";
import { phoenixHeaders, type PhoenixConnection } from "../phoenix-feedback.ts";
import type { SpanDelivery, UndeliveredTrace } from "../warn-once-exporter.ts";

export interface TraceLinkOptions {
  phoenix: PhoenixConnection;
  projectName: string;
  flushSpans: () => Promise<void>;
  /** which traces' spans did not get through (the app's exporter); without it, every link goes to Phoenix */
  spanDelivery?: SpanDelivery;
  /** the chat page's security headers, for the page that says a trace was not recorded */
  pageHeaders?: Record<string, string>;
}

export function traceLinkRoute(app: FastifyInstance, { phoenix, projectName, flushSpans, spanDelivery, pageHeaders = {} }: TraceLinkOptions): void {
  app.get<{ Params: { traceId: string } }>(
    "/api/traces/:traceId",
    { schema: { params: { type: "object", properties: { traceId: { type: "string", pattern: "^[0-9a-f]{32}$" } } } } },
    async (request, reply) => {
      const { traceId } = request.params;
      // The client leaving (a closed tab, a cross-site <img> that gave up) stops the lookup.
      const clientGone = clientHangUpSignal(reply);
      // After the flush, the exporter has the answer for this trace's spans (unless Phoenix is too slow to give one).
      await flushSpans().catch(() => {});
      const undelivered = spanDelivery?.whyNotDelivered(traceId);
      if (undelivered) return notRecorded(request, reply, traceId, undelivered, pageHeaders);
      // Bounded in pages and time (shared/phoenix/trace-link.ts); the project id is cached.
      const url = await phoenixTraceUrl(phoenix.url, projectName, traceId, phoenixHeaders(phoenix), { signal: clientGone }).catch(() => undefined);
      if (clientGone.aborted) return reply;
      // Unknown project (no span arrived yet) or Phoenix down: Phoenix's own redirect page
      // finds the trace by id when it can, and says so when it cannot.
      return reply.redirect(url ?? `${phoenix.url}/redirects/traces/${traceId}`);
    },
  );
}

/** The sentence a trace link gives when the trace's spans never reached Phoenix. */
export function notRecordedMessage({ detail, advice }: UndeliveredTrace): string {
  return `This answer's trace is not in Phoenix: its spans could not be sent (${detail}). ${advice}`;
}

/**
 * 404: Phoenix has no such trace, and will not have it (a failed batch is not sent again). A
 * browser (the page's link opens a tab) gets a short page that says why; any other client the
 * API's usual `{ error }`, with the trace id.
 */
function notRecorded(request: FastifyRequest, reply: FastifyReply, traceId: string, undelivered: UndeliveredTrace, pageHeaders: Record<string, string>) {
  const message = notRecordedMessage(undelivered);
  reply.code(404).header("cache-control", "no-store");
  if (!(request.headers.accept ?? "").includes("text/html")) return reply.send({ error: message, traceId });
  const page =
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Trace not recorded</title></head>\n<body>\n' +
    `<h1>Trace not recorded</h1>\n<p>${escapeHtml(message)}</p>\n<p>Trace id: <code>${traceId}</code></p>\n</body>\n</html>\n`;
  return reply.type("text/html; charset=utf-8").headers(pageHeaders).send(page);
}

/** Text as element content (never inside an attribute): &, < and > escaped. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>]/g, (char) => `&#${char.charCodeAt(0)};`);
}
