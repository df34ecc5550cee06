// The backend (the FastAPI role of the seed): routes, validation, tracing of each request.
import Fastify, { type FastifyInstance } from "fastify";
import type { ModelConnection } from "../../../shared/chatbot/connect-model.ts";
import type { AppConfig } from "./config.ts";
import { frameworkErrorAsJson, sendErrorsAsJson } from "./error-responses.ts";
import { traceHttpRequests } from "./http-span.ts";
import { chatRoute } from "./routes/chat.ts";
import { feedbackRoute } from "./routes/feedback.ts";
import { traceLinkRoute } from "./routes/trace-link.ts";
import { buildWebPage, webPageRoutes } from "./web-page.ts";

export const BODY_LIMIT_BYTES = 1_048_576;

export interface ServerOptions {
  config: Pick<AppConfig, "phoenixUrl" | "phoenixApiKey" | "projectName" | "modelTimeoutMs">;
  model: ModelConnection;
  /** sends the spans still held by the batch processor (before feedback and trace links) */
  flushSpans: () => Promise<void>;
  /** aborted when the app stops: chat turns still running are cancelled (see main.ts) */
  stopping?: AbortSignal;
  log?: (message: string) => void;
}

export async function buildServer({ config, model, flushSpans, stopping, log }: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    // A URL Fastify cannot even decode (/%ff) gets the same { error } answer as every other mistake.
    frameworkErrors: frameworkErrorAsJson,
    // Reject what does not match the schema instead of quietly fixing it: no type coercion
    // ("1" stays a string) and no silent removal of unknown fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  });
  // The API speaks JSON only: a text/plain body gets a 415 instead of a confusing schema error.
  app.removeContentTypeParser("text/plain");
  const phoenix = { url: config.phoenixUrl, apiKey: config.phoenixApiKey };

  sendErrorsAsJson(app, { log });
  // Once app.close() has begun, an answer still in progress closes its connection when sent:
  // a keep-alive connection left open would hold app.close() until it timed out.
  let closing = false;
  app.addHook("preClose", async () => void (closing = true));
  app.addHook("onSend", async (_request, reply, payload) => {
    if (closing) reply.header("connection", "close");
    return payload;
  });
  // The chat requests get a SERVER span each; page files, health checks, feedback and trace
  // links do not (they would add a trace per click to the project).
  traceHttpRequests(app, { routes: ["/api/chat"] });

  chatRoute(app, { model, modelTimeoutMs: config.modelTimeoutMs, stopping });
  feedbackRoute(app, { phoenix, flushSpans });
  traceLinkRoute(app, { phoenix, projectName: config.projectName, flushSpans });
  app.get("/healthz", async () => ({ ok: true, model: model.model, provider: model.provider }));
  webPageRoutes(app, await buildWebPage());

  return app;
}
