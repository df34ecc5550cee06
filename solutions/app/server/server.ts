// The backend (the FastAPI role of the seed): routes, validation, tracing of each request.
import Fastify, { type FastifyInstance } from "fastify";
import type { ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import { normalizeHostName, type AppConfig } from "./config.ts";
import { frameworkErrorAsJson, sendErrorsAsJson } from "./error-responses.ts";
import type { Evaluations } from "./evaluations.ts";
import { answerProtocolErrorsAsJson, clientErrorAsJson, HTTP_SERVER_OPTIONS } from "./protocol-errors.ts";
import { traceHttpRequests } from "./http-span.ts";
import { BODY_LIMIT_BYTES } from "./limits.ts";
import { chatExchangeText, chatRoute } from "./routes/chat.ts";
import { feedbackRoute } from "./routes/feedback.ts";
import { traceLinkRoute } from "./routes/trace-link.ts";
import type { SpanDelivery } from "./warn-once-exporter.ts";
import { buildWebPage, webPageRoutes } from "./web-page.ts";

export { BODY_LIMIT_BYTES };

export interface ServerOptions {
  config: Pick<AppConfig, "phoenixUrl" | "phoenixApiKey" | "projectName" | "modelTimeoutMs"> &
    Partial<Pick<AppConfig, "phoenixHeaders" | "allowedHosts" | "maxConcurrentTurns" | "retrieval">>;
  model: ModelConnection;
  /** sends the spans still held by the batch processor (before feedback and trace links) */
  flushSpans: () => Promise<void>;
  /** which traces' spans did not get through, and why (the exporter knows): their trace links say so */
  spanDelivery?: SpanDelivery;
  /** aborted when the app stops: chat turns still running are cancelled (see main.ts) */
  stopping?: AbortSignal;
  /**
   * aborted when the app is asked to stop (before app.close()): from then on every new request,
   * on a new or an idle keep-alive connection, gets a 503 and `connection: close` instead of a reset
   */
  draining?: AbortSignal;
  log?: (message: string) => void;
  /** lesson 10's evaluations of each answer (main.ts makes them unless APP_EVALUATIONS=off); none: answers are not judged */
  evaluations?: Evaluations;
}

/** The chat page's security headers: only its own script and style, never inside a frame. */
export const PAGE_SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

export async function buildServer({ config, model, flushSpans, spanDelivery, stopping, draining, log, evaluations }: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    // A URL Fastify cannot even decode (/%ff) gets the same { error } answer as every other mistake.
    frameworkErrors: frameworkErrorAsJson,
    // So do requests Node's own HTTP layer refuses or would answer with an empty body (protocol-errors.ts).
    clientErrorHandler: clientErrorAsJson,
    http: HTTP_SERVER_OPTIONS,
    // Reject what does not match the schema instead of quietly fixing it: no type coercion
    // ("1" stays a string) and no silent removal of unknown fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  // The API speaks JSON only: a text/plain body gets a 415 instead of a confusing schema error.
  app.removeContentTypeParser("text/plain");
  const phoenix = { url: config.phoenixUrl, apiKey: config.phoenixApiKey, headers: config.phoenixHeaders };

  sendErrorsAsJson(app, { log });
  // Once the app is stopping, an answer still in progress closes its connection when sent:
  // a keep-alive connection left open would hold app.close() until it timed out.
  let closing = false;
  app.addHook("preClose", async () => void (closing = true));
  app.addHook("onSend", async (_request, reply, payload) => {
    if (closing || draining?.aborted) reply.header("connection", "close");
    return payload;
  });
  // Stopping: a request that arrives now (a client reusing an idle keep-alive connection, say)
  // is answered 503 with `connection: close`, rather than finding its connection reset.
  app.addHook("onRequest", async (_request, reply) => {
    if (!draining?.aborted) return;
    return reply.code(503).header("connection", "close").header("retry-after", "5").send({ error: "The app is stopping; try again once it has restarted." });
  });
  // CONNECT, an unknown Expect, no Host header at all: answered here, not by Node with an empty body.
  answerProtocolErrorsAsJson(app);
  // Only the configured host names (DNS rebinding: another site's name pointed at 127.0.0.1).
  const allowedHosts = config.allowedHosts ?? ["localhost", "127.0.0.1", "::1"];
  if (allowedHosts !== "*") {
    app.addHook("onRequest", async (request, reply) => {
      const name = normalizeHostName(request.headers.host ?? "");
      if (allowedHosts.includes(name)) return;
      return reply.code(403).send({
        error: `This app does not answer to the host name "${name || "(none)"}". Use ${allowedHosts[0]}, or add the name to APP_ALLOWED_HOSTS.`,
      });
    });
  }
  // The chat requests get a SERVER span each, which reads as the question and the reply; page
  // files, health checks, feedback and trace links do not (they would add a trace per click).
  traceHttpRequests(app, { routes: { "/api/chat": chatExchangeText, "/api/chat/stream": chatExchangeText } });

  chatRoute(app, { model, modelTimeoutMs: config.modelTimeoutMs, retrieval: config.retrieval ?? true, stopping, maxConcurrentTurns: config.maxConcurrentTurns, log, evaluations });
  feedbackRoute(app, { phoenix, flushSpans, spanDelivery });
  traceLinkRoute(app, { phoenix, projectName: config.projectName, flushSpans, spanDelivery, pageHeaders: PAGE_SECURITY_HEADERS });
  // The evaluations' counts: judgings under way, and answers skipped because too many were.
  app.get("/healthz", async () => ({ ok: true, model: model.model, provider: model.provider, ...(evaluations ? { evaluations: evaluations.counts() } : {}) }));
  webPageRoutes(app, await buildWebPage(), PAGE_SECURITY_HEADERS);

  return app;
}
