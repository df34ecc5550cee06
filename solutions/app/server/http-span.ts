// One SERVER span per API request, the parent of everything the request does.
// - Its parent is the client's span when the request carries a W3C `traceparent` header
//   (a traced frontend or another service): client and server then share one trace.
// - It carries OTel's http.* attributes and also an OpenInference kind (CHAIN): Phoenix reads
//   only `openinference.span.kind` and would show a span without it as UNKNOWN.
// Fastify runs hooks and the handler in separate async steps, so the span's context is kept on
// the request and the handler re-enters it with `context.with(requestContext(request), ...)`.
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { MimeType, OpenInferenceSpanKind, SemanticConventions } from "@arizeai/openinference-semantic-conventions";
import {
  ATTR_CLIENT_ADDRESS,
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from "@opentelemetry/semantic-conventions";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { clientHungUp } from "./cancellation.ts";

declare module "fastify" {
  interface FastifyRequest {
    /** the request's SERVER span and the context that has it as the active span */
    serverSpan: { span: Span; context: Context } | null;
  }
}

const tracer = trace.getTracer("workbook-chatbot-app");
const propagator = new W3CTraceContextPropagator();

/** Gives each request to one of `routes` (e.g. "/api/chat") a SERVER span. */
export function traceHttpRequests(app: FastifyInstance, { routes }: { routes: string[] }): void {
  app.decorateRequest("serverSpan", null);

  app.addHook("onRequest", async (request, reply) => {
    const route = request.routeOptions.url;
    if (!route || !routes.includes(route)) return;
    // The client's trace context, if it sent one; otherwise this span starts a new trace.
    const parent = propagator.extract(ROOT_CONTEXT, request.headers, {
      get: (headers, key) => headers[key],
      keys: (headers) => Object.keys(headers),
    });
    const span = tracer.startSpan(
      `${request.method} ${route}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          [SemanticConventions.OPENINFERENCE_SPAN_KIND]: OpenInferenceSpanKind.CHAIN,
          [ATTR_HTTP_REQUEST_METHOD]: request.method,
          [ATTR_HTTP_ROUTE]: route,
          [ATTR_URL_PATH]: request.url.split("?")[0],
          [ATTR_URL_SCHEME]: request.protocol,
          [ATTR_CLIENT_ADDRESS]: request.ip,
          ...(request.headers["user-agent"] ? { [ATTR_USER_AGENT_ORIGINAL]: request.headers["user-agent"] } : {}),
        },
      },
      parent,
    );
    request.serverSpan = { span, context: trace.setSpan(parent, span) };

    // The client hung up before the answer was sent (a closed tab, Ctrl-C in `npm run chat`),
    // at any point of the request: Fastify's onResponse never runs then, so end the span here.
    // (The chat route also cancels the model call: see cancellation.ts.)
    reply.raw.once("close", () => {
      if (!request.serverSpan || !clientHungUp(reply)) return;
      request.serverSpan.span.setStatus({ code: SpanStatusCode.ERROR, message: "The client closed the connection before the answer was sent." });
      request.serverSpan.span.end();
      request.serverSpan = null;
    });
  });

  // The parsed body is known from here on (invalid bodies never get this far).
  app.addHook("preHandler", async (request) => {
    if (!request.serverSpan || request.body === undefined) return;
    request.serverSpan.span.setAttributes({
      [SemanticConventions.INPUT_VALUE]: JSON.stringify(request.body),
      [SemanticConventions.INPUT_MIME_TYPE]: MimeType.JSON,
    });
  });

  app.addHook("onSend", async (request, reply, payload) => {
    if (request.serverSpan && typeof payload === "string" && String(reply.getHeader("content-type")).startsWith("application/json")) {
      request.serverSpan.span.setAttributes({
        [SemanticConventions.OUTPUT_VALUE]: payload,
        [SemanticConventions.OUTPUT_MIME_TYPE]: MimeType.JSON,
      });
    }
    return payload;
  });

  app.addHook("onResponse", async (request, reply) => {
    const serverSpan = request.serverSpan;
    if (!serverSpan) return;
    serverSpan.span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, reply.statusCode);
    // For a server, a 4xx is the client's mistake, not an error of this span; a 5xx is.
    if (reply.statusCode >= 500) {
      serverSpan.span.setAttribute(ATTR_ERROR_TYPE, String(reply.statusCode));
      serverSpan.span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${reply.statusCode}` });
    } else {
      serverSpan.span.setStatus({ code: SpanStatusCode.OK });
    }
    serverSpan.span.end();
    request.serverSpan = null;
  });
}

/** The context to run a request's work in: its server span is the active span there. */
export function requestContext(request: FastifyRequest): Context {
  return request.serverSpan?.context ?? context.active();
}
